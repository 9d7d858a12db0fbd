/**
 * What the resource monitor sees during one stack's run under mocks, recorded as the engine would
 * store it: engine-shaped URNs (the response URN is rewritten, so the SDK itself uses them), parent,
 * dependencies, property dependencies, provider (a default provider row added where the engine
 * would create one), raw inputs with secret markers, additionalSecretOutputs, and outputs made
 * secret where the engine would (outputs named in additionalSecretOutputs, outputs of secret inputs).
 */

import { parseUrn, type RawResource } from '../../graph/graph.ts';
import { SECRET_SIG, SIG_KEY } from '../../graph/redact.ts';
import { uuidOf } from './mocks-aws.ts';
import { isObject } from './project.ts';

/** A serialized struct as the monitor's protobuf messages carry it. */
interface StructLike {
  toJavaScript(): Record<string, unknown>;
}
interface StructCtor {
  fromJavaScript(v: Record<string, unknown>): StructLike;
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom?(): boolean;
  getProtect?(): boolean;
  getProvider(): string;
  getVersion(): string;
  getDependenciesList(): string[];
  getPropertydependenciesMap?(): { forEach(cb: (v: { getUrnsList(): string[] }, k: string) => void): void } | undefined;
  getAdditionalsecretoutputsList(): string[];
  getObject?(): StructLike | undefined;
  getProperties?(): StructLike | undefined;
  getId?(): string;
  getImportid?(): string;
}
interface RegisterResponse {
  getUrn(): string;
  setUrn(urn: string): void;
  getId?(): string;
  getObject?(): StructLike | undefined;
  setObject?(s: StructLike): void;
  getProperties?(): StructLike | undefined;
  setProperties?(s: StructLike): void;
}
type Callback = (err: unknown, resp: unknown) => void;
type Monitor = Record<string, (req: unknown, cb: Callback) => unknown>;

interface Captured {
  urn: string;
  type: string;
  custom: boolean;
  external: boolean;
  id?: string;
  parent?: string;
  provider?: string;
  protect: boolean;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
  additionalSecretOutputs: string[];
}

export function isSecretEnvelope(v: unknown): boolean {
  return isObject(v) && v[SIG_KEY] === SECRET_SIG;
}

function secretWrap(v: unknown): unknown {
  return isSecretEnvelope(v) ? v : { [SIG_KEY]: SECRET_SIG, value: v };
}

/** The recording of one stack's run: install it on the SDK's monitor, run the program, read `rows()`. */
export class Capture {
  private readonly captured = new Map<string, Captured>();
  private readonly defaultProviders = new Map<string, Captured>();
  /** Explicit providers (`<urn>::<id>` references) -> the region each was given. */
  readonly providerRegions = new Map<string, string>();
  /** The Stack's raw outputs (secret envelopes kept), to feed StackReferences. */
  stackOutputs: Record<string, unknown> = {};
  readonly stackUrn: string;

  constructor(
    private readonly project: string,
    private readonly stack: string,
    /** The region of default AWS providers. */
    private readonly region: string,
  ) {
    this.stackUrn = `urn:pulumi:${stack}::${project}::pulumi:pulumi:Stack::${project}-${stack}`;
  }

  /** Wraps the monitor's registerResource and readResource, and replaces registerResourceOutputs. */
  install(monitor: Monitor): void {
    for (const method of ['registerResource', 'readResource'] as const) {
      const original = monitor[method]!.bind(monitor);
      monitor[method] = (req: unknown, callback: Callback) =>
        original(req, (err: unknown, resp: unknown) => {
          if (err || resp === undefined || resp === null) return callback(err, resp);
          try {
            this.record(req as RegisterRequest, resp as RegisterResponse, method === 'readResource');
          } catch (e) {
            return callback(e, undefined);
          }
          return callback(err, resp);
        });
    }
    monitor.registerResourceOutputs = (reqAny: unknown, callback: Callback) => {
      const req = reqAny as { getUrn(): string; getOutputs(): StructLike | undefined };
      const urn = req.getUrn();
      const outputs = req.getOutputs()?.toJavaScript() ?? {};
      const c = this.captured.get(urn);
      if (c !== undefined) c.outputs = outputs;
      if (urn === this.stackUrn) this.stackOutputs = outputs;
      callback(null, {});
    };
  }

  /** The captured resources, then the default providers, as rows for buildGraph. */
  rows(): RawResource[] {
    return [...this.captured.values(), ...this.defaultProviders.values()].map((c) => ({
      urn: c.urn,
      type: c.type,
      custom: c.custom,
      id: c.id,
      parent: c.parent,
      provider: c.provider,
      protect: c.protect,
      external: c.external,
      inputs: c.inputs,
      outputs: c.outputs,
      dependencies: c.dependencies,
      propertyDependencies: c.propertyDependencies,
      additionalSecretOutputs: c.additionalSecretOutputs,
      jsonPath: c.urn,
    }));
  }

  /** One registration (or read): rewrites the response's URN and outputs as the engine would, and records it. */
  private record(req: RegisterRequest, resp: RegisterResponse, isRead: boolean): void {
    const type = req.getType();
    const custom = isRead ? true : req.getCustom?.() === true;
    const urn = type === 'pulumi:pulumi:Stack' ? this.stackUrn : this.engineUrn(req.getParent(), type, req.getName());
    resp.setUrn(urn);
    const rawInputs = (isRead ? req.getProperties?.() : req.getObject?.())?.toJavaScript() ?? {};
    const aso = [...req.getAdditionalsecretoutputsList()];
    const state = this.secretOutputs(type, rawInputs, aso, resp, isRead);
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap?.()?.forEach((v, k) => {
      propertyDependencies[k] = [...v.getUrnsList()];
    });
    let provider = req.getProvider();
    if (provider === '' && custom && !type.startsWith('pulumi:providers:') && type !== 'pulumi:pulumi:StackReference') {
      provider = this.defaultProviderRef(type, req.getVersion());
    }
    const id = isRead ? req.getId?.() : resp.getId?.();
    if (type.startsWith('pulumi:providers:') && id !== undefined && id !== '' && typeof rawInputs.region === 'string' && rawInputs.region !== '') {
      this.providerRegions.set(`${urn}::${id}`, rawInputs.region);
    }
    this.captured.set(urn, {
      urn,
      type,
      custom,
      external: isRead,
      ...(id !== undefined && id !== '' ? { id } : {}),
      ...(req.getParent() !== '' ? { parent: req.getParent() } : {}),
      ...(provider !== '' ? { provider } : {}),
      protect: req.getProtect?.() === true,
      inputs: custom ? rawInputs : {},
      outputs: custom ? state : {},
      dependencies: [...req.getDependenciesList()],
      propertyDependencies,
      additionalSecretOutputs: aso,
    });
  }

  /** The response's outputs with additionalSecretOutputs and outputs of secret inputs made secret (written back to the response). */
  private secretOutputs(type: string, rawInputs: Record<string, unknown>, aso: readonly string[], resp: RegisterResponse, isRead: boolean): Record<string, unknown> {
    const struct = isRead ? resp.getProperties?.() : resp.getObject?.();
    let state = struct?.toJavaScript() ?? {};
    const secretNames = new Set([...aso, ...Object.keys(rawInputs).filter((k) => isSecretEnvelope(rawInputs[k]))]);
    if (type === 'pulumi:pulumi:StackReference') secretNames.delete('outputs');
    if (struct !== undefined && [...secretNames].some((k) => k in state && !isSecretEnvelope(state[k]))) {
      state = { ...state };
      for (const k of secretNames) if (k in state) state[k] = secretWrap(state[k]);
      const ctor = (struct as unknown as { constructor: StructCtor }).constructor;
      const next = ctor.fromJavaScript(state);
      if (isRead) resp.setProperties?.(next);
      else resp.setObject?.(next);
    }
    return state;
  }

  /** `urn:pulumi:<stack>::<project>::<parentType$...$type>::<name>`, the Stack left out of the chain. */
  private engineUrn(parent: string, type: string, name: string): string {
    const p = parent === '' ? undefined : parseUrn(parent);
    const chain = p === undefined || p.type === 'pulumi:pulumi:Stack' ? type : `${p.qualifiedType}$${type}`;
    return `urn:pulumi:${this.stack}::${this.project}::${chain}::${name}`;
  }

  /** The reference to the default provider of `type`'s package at `version`, created (as the engine does) on first use. */
  private defaultProviderRef(type: string, version: string): string {
    const pkg = type.split(':')[0]!;
    const name = version === '' ? 'default' : `default_${version.replace(/[.+-]/g, '_')}`;
    const urn = `urn:pulumi:${this.stack}::${this.project}::pulumi:providers:${pkg}::${name}`;
    let p = this.defaultProviders.get(urn);
    if (p === undefined) {
      const inputs: Record<string, unknown> = version === '' ? {} : { version };
      if (pkg === 'aws') inputs.region = this.region;
      p = {
        urn,
        type: `pulumi:providers:${pkg}`,
        custom: true,
        external: false,
        id: uuidOf(this.stack, urn),
        protect: false,
        inputs,
        outputs: inputs,
        dependencies: [],
        propertyDependencies: {},
        additionalSecretOutputs: [],
      };
      this.defaultProviders.set(urn, p);
    }
    return `${urn}::${p.id}`;
  }
}
