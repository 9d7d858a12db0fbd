/** Small lookups for the estate tests: an entity by name (failing with the names there are), names of a list. */

export function named<T extends { readonly name: string }>(list: readonly T[], name: string): T {
  const hit = list.find((x) => x.name === name);
  if (hit === undefined) throw new Error(`no ${JSON.stringify(name)}; there are: ${list.map((x) => x.name).join(', ') || 'none'}`);
  return hit;
}

export function names(list: readonly { readonly name: string }[]): string[] {
  return list.map((x) => x.name);
}
