/** The generator's name, written into every file it owns (manifest, staging journal, estate.json, diff.json) and checked when one is read back. */
export const GENERATOR = 'mono-repo-diagrams';
