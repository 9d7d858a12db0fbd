/**
 * The ResourceGraph: the one contract between the sources (readers) and everything after them.
 *
 * Every reader (state export, checkpoint, file backend, preview, program under mocks, live stack)
 * returns exactly this shape. Nothing after the readers may know which source was used, except
 * through `stack.source`, which is informational (shown in docs, never branched on).
 *
 * Invariants (enforced by `freezeGraph` in ./graph.ts):
 * - fully readonly and deeply frozen; transforms never mutate it;
 * - `resources` sorted by URN, `edges` sorted by (kind, from, to, property);
 * - no secret value anywhere: every secret was replaced by REDACTED inside the reader;
 * - no value nested deeper than MAX_VALUE_DEPTH: no array or object inside a resource's `inputs` or
 *   `outputs` (nor the stack outputs) sits more than MAX_VALUE_DEPTH levels deep, counting the
 *   `inputs`/`outputs` object itself as level 1. The reader refuses deeper input (GeneratorError,
 *   exit 2, naming the file and the JSON path) before anything recursive runs over it, so every later
 *   recursive walk over property values (transforms, `JSON.stringify`) may rely on this bound;
 * - deterministic: the same input gives byte-identical `JSON.stringify(graph)`.
 */

export const GRAPH_SCHEMA_VERSION = 1 as const;

/**
 * The deepest nesting of arrays and objects accepted in a resource's inputs or outputs (see the
 * invariants above). No real state comes near it (the corpus stays under 15 levels); it keeps every
 * recursive walk, including V8's own `JSON.stringify`, far from the stack limit.
 */
export const MAX_VALUE_DEPTH = 1000;

/** The marker that replaces every secret value. A string so that JSON stays simple. */
export const REDACTED = '[secret]' as const;

/** The marker for a value that cannot be known (e.g. an output in a preview, an unknown in mocks). */
export const UNKNOWN = '[unknown]' as const;

export type JsonPrimitive = null | boolean | number | string;
export type JsonValue = JsonPrimitive | readonly JsonValue[] | JsonObject;
export interface JsonObject {
  readonly [key: string]: JsonValue;
}

/** Where a graph came from. `location` is as the user gave it (a path, `-`, a stack name), never resolved to an absolute path. */
export type SourceKind = 'state' | 'checkpoint' | 'backend' | 'preview' | 'program' | 'live';

export interface GraphSource {
  readonly kind: SourceKind;
  /** As given by the user: a relative path, `-` for stdin, a backend URL, a program directory, a stack name. */
  readonly location: string;
  /** The detected format, e.g. `export v3`, `checkpoint v0`, `preview`, `program (mocks)`. */
  readonly format: string;
}

export interface StackInfo {
  readonly project: string;
  readonly stack: string;
  readonly source: GraphSource;
  /** From the state manifest (`manifest.time`), ISO 8601; absent for previews and programs. */
  readonly deployedAt?: string;
  /** From the state manifest (`manifest.version`); absent where unknown. */
  readonly pulumiVersion?: string;
  /** The stack's configured `aws:region` (the default provider's region) when the source carries its config: a preview. */
  readonly region?: string;
  /** Number of live resources (the length of `resources`). */
  readonly resourceCount: number;
  /** The stack's outputs (the `pulumi:pulumi:Stack` resource's outputs), secrets redacted. */
  readonly outputs: JsonObject;
}

/** The operation a preview plans for a resource. Absent for every source other than a preview. */
export type PlannedOp =
  | 'create'
  | 'update'
  | 'replace'
  | 'delete'
  | 'same'
  | 'read'
  | 'import'
  | 'refresh'
  | 'discard';

export interface Resource {
  readonly urn: string;
  /** The type token, e.g. `aws:ssm/parameter:Parameter`, `mono-repo:kms:Keys`, `pulumi:pulumi:Stack`. */
  readonly type: string;
  /** The logical name: the last `::`-separated part of the URN. */
  readonly name: string;
  /** True for custom (provider-managed) resources, false for components and the Stack. */
  readonly custom: boolean;
  /** The provider-assigned id (custom resources); absent for components or where unknown. */
  readonly id?: string;
  /** URN of the parent resource, when it has one. */
  readonly parent?: string;
  /** URN of the provider resource (the `::id` suffix of the state's provider reference removed). */
  readonly provider?: string;
  readonly protect: boolean;
  /** `retainOnDelete`: Pulumi never deletes the cloud resource (only present when set). */
  readonly retainOnDelete?: true;
  /** True for resources read, not managed (`external: true`). */
  readonly external: boolean;
  readonly inputs: JsonObject;
  readonly outputs: JsonObject;
  /** Planned operation, for previews only. */
  readonly plannedOp?: PlannedOp;
}

export type EdgeKind = 'parent' | 'dependency' | 'property' | 'provider';

/** `from` depends on / is a child of / uses the provider `to`. */
export interface Edge {
  readonly kind: EdgeKind;
  readonly from: string;
  readonly to: string;
  /** For `property` edges: the input property name that carries the dependency. */
  readonly property?: string;
}

/**
 * A place where the source file holds a secret value readable without a key (the value itself is
 * never recorded):
 * - `plaintext-envelope`: a secret envelope carrying `plaintext` (an export made with
 *   `--show-secrets`), or a `ciphertext` under the `b64` secrets provider (base64, not encrypted);
 * - `unmarked-sensitive-field`: a value not wrapped in a secret envelope under a field that is secret
 *   by the resource's schema (`SENSITIVE_FIELDS`, a SecureString parameter's `value`), listed in the
 *   resource's `additionalSecretOutputs` or a StackReference's `secretOutputNames`, or under a
 *   password/secret/token-like key name at any depth (the values the reader redacts by name).
 * A `ciphertext` envelope of any other provider is encrypted, hence not listed.
 */
export interface PlaintextSecret {
  readonly urn: string;
  /**
   * Property path inside the resource, e.g. `inputs.masterPassword`,
   * `outputs.environment.variables.DB_PASSWORD`, `inputs.tags["a.b"]`, `outputs.list[0]`. Segments
   * from input keys are cut to 100 characters and stripped of control characters; the whole path to
   * 400.
   */
  readonly path: string;
  readonly reason: 'plaintext-envelope' | 'unmarked-sensitive-field';
  /**
   * An environment variable's value redacted for its name that has the shape of a Secrets Manager
   * path (`shared/stripe/api-key`) but names no secret or parameter of this state: it may name one
   * of another state (a reference, not a secret), which the reader, judging one state, cannot tell.
   */
  readonly nameShaped?: true;
}

/** Rows of the state that are not part of the live graph, kept so nothing is silently lost. */
export interface GraphMetadata {
  /** `delete: true` rows (old copies awaiting deletion), by URN, sorted. */
  readonly pendingDeletes: readonly string[];
  /** `pendingReplacement: true` rows, by URN, sorted. */
  readonly pendingReplacements: readonly string[];
  /** `pending_operations` of the deployment, as `<type> <urn>`, sorted. */
  readonly pendingOperations: readonly string[];
  /** Secrets provider type as recorded (`passphrase`, `service`, `b64`, ...), when present. */
  readonly secretsProvider?: string;
  /** Number of values the reader replaced with REDACTED. */
  readonly redactedValues: number;
  /**
   * Where the source file holds a secret in plain text, sorted by (urn, path). Empty for a program
   * run under mocks (its values are placeholders, not a state).
   */
  readonly plaintextSecrets: readonly PlaintextSecret[];
}

export interface ResourceGraph {
  readonly schemaVersion: typeof GRAPH_SCHEMA_VERSION;
  readonly stack: StackInfo;
  /** Sorted by URN. */
  readonly resources: readonly Resource[];
  /** Sorted by (kind, from, to, property). */
  readonly edges: readonly Edge[];
  readonly metadata: GraphMetadata;
}
