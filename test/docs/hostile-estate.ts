/**
 * Hostile text for the docs: payloads for every name field a page or the index shows, and a
 * `pulumi stack export` (v3) that carries them (or benign names of the same shape) through the real
 * pipeline: stack and project (URN), parameter paths and KMS key ids, secret names, rotation
 * schedule, replica regions and tags, KMS aliases, roles and their tags, managed and inline policy
 * names, actions, resources and conditions (kms:ViaService), trails (bucket, data events, advanced
 * selectors), alarms (metric, namespace), SNS topics and subscriptions, event rules and their
 * patterns, the rotation function, stack references, descriptions.
 */

export const BEGIN = '<!-- BEGIN_ARCHITECTURE_DOCS -->';
export const END = '<!-- END_ARCHITECTURE_DOCS -->';

/** One string per attack; the JSON writer keeps lone surrogates as `\ud800` escapes. */
export const PAYLOADS: readonly string[] = [
  '``` `` ` <img src=x onerror=alert(1)>',
  '<script>alert(1)</script>',
  '<style>body{display:none}</style>',
  '<a href="javascript:alert(1)">click</a>',
  '<iframe src="https://evil.example/frame"></iframe>',
  '[x](javascript:alert(1))',
  '![i](https://evil.example/x.png)',
  'a)](javascript:alert(1)',
  '#?q=1&x=2',
  'cr\rsplit | row',
  'line\u2028sep\u2029para\u0085nel\nlf\r\ncrlf',
  'nul\u0000bell\u0007esc\u001bdel\u007fc1\u009b',
  'bidi\u202Eevil\u202C\u2066iso\u2069\u200E\u200F\u061C\u202A\u202B\u202D\u2067\u2068',
  'lone\ud800high and low\udc00',
  BEGIN,
  END,
  '${process.env.HOME} ${}',
  '{{title}} {{{parameterTree}}} {{> overview}}',
  '|||||||||||||||||||||',
  'https://evil.example/path www.evil.example sec@evil.example mailto:a@evil.example //evil.example',
  '*emph* _under_ ~~del~~ **bold** __b__',
  '&#x202E;&lt;script&gt;&amp;&#0;',
  '- item',
  '# heading',
  '1. ordered',
  '> quote',
  '<http://evil.example/auto>',
  'back\\slash\\`\\|\\',
  '`',
  ' `` ',
  '[ref]: https://evil.example/ref',
  'www.123.example',
  '$x^2$ math',
  '<!-- comment',
  'end -->',
  '<img src="https://evil.example/p.png">',
  'x<br>y',
  '```\n# fence breaker\n```',
  '\\u{202E} literal notation',
];

/**
 * Stack and project names: hostile, but within Pulumi's 100 characters, and a stack name must stay a
 * valid directory name (no NUL, no `/`).
 */
export const HOSTILE_STACK = 'st`` <img src=x onerror=alert(1)> a)](javascript:alert(1) #?q=1&x \u202Eevil\u2066 \ud800 {{title}} ||| \r\u2028 _y_';
export const HOSTILE_PROJECT = 'p <script>alert(1)</script> \u0000nul <!-- BEGIN_ARCHITECTURE_DOCS --> <!-- END_ARCHITECTURE_DOCS -->';
/** The environment tag; lower case, as the estate lowers it. */
export const HOSTILE_ENV = 'qa`<img src=x onerror=alert(2)>|\u202e';

export interface Names {
  readonly stack: string;
  readonly project: string;
  readonly env: string;
  /** The text for slot `i` (cycled over every field kind). */
  readonly name: (i: number) => string;
  readonly count: number;
}

export const hostileNames: Names = { stack: HOSTILE_STACK, project: HOSTILE_PROJECT, env: HOSTILE_ENV, name: (i) => PAYLOADS[i % PAYLOADS.length]!, count: PAYLOADS.length };
export const benignNames: Names = { stack: 'benign', project: 'proj', env: 'dev', name: (i) => `name-${i}`, count: PAYLOADS.length };

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

/** A `pulumi stack export` v3 document with the names in every field the docs show. */
export function stateExport(n: Names): unknown {
  const urn = (type: string, logical: string) => `urn:pulumi:${n.stack}::${n.project}::${type}::${logical}`;
  const provider = urn('pulumi:providers:aws', 'default');
  const resources: object[] = [];
  const add = (type: string, logical: string, outputs: Record<string, unknown>, custom = true) => {
    resources.push({
      urn: urn(type, logical),
      custom,
      type,
      ...(custom ? { id: `${logical}-id`, provider: `${provider}::prov-id` } : {}),
      inputs: outputs,
      outputs,
    });
  };
  const tags = (i: number) => ({ Environment: n.env, Name: n.name(i), Owner: n.name(i + 1) });
  resources.push({ urn: urn('pulumi:pulumi:Stack', `${n.project}-${n.stack}`), custom: false, type: 'pulumi:pulumi:Stack' });
  resources.push({ urn: provider, custom: true, id: 'prov-id', type: 'pulumi:providers:aws', inputs: { region: REGION }, outputs: { region: REGION } });

  const keyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/k1`;
  add('aws:kms/key:Key', 'key', { arn: keyArn, keyId: 'k1', enableKeyRotation: false, multiRegion: false, description: n.name(0), tags: tags(0) });
  const fnArn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:rotator`;
  const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:alerts`;
  add('aws:sns/topic:Topic', 'topic', { name: n.name(3), arn: topicArn, tags: tags(3) });

  for (let i = 0; i < n.count; i++) {
    const x = n.name(i);
    add('aws:kms/alias:Alias', `alias-${i}`, { name: `alias/${x}`, targetKeyId: 'k1' });
    add('aws:ssm/parameter:Parameter', `param-${i}`, {
      name: `/app/${n.env}/cfg${i % 3}/${x}`,
      type: i % 2 === 0 ? 'String' : 'SecureString',
      ...(i % 2 === 1 ? { keyId: i % 4 === 1 ? keyArn : x } : {}),
      tier: 'Standard',
      description: x,
      tags: tags(i),
    });
    const secretArn = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:s${i}-AbCdEf`;
    add('aws:secretsmanager/secret:Secret', `secret-${i}`, {
      name: `app/${n.env}/db/${x}`,
      arn: secretArn,
      kmsKeyId: keyArn,
      description: x,
      replicas: [{ region: x }],
      tags: { ...tags(i), RotationStrategy: x },
    });
    if (i % 5 === 0) {
      add('aws:secretsmanager/secretRotation:SecretRotation', `rotation-${i}`, {
        secretId: secretArn,
        rotationLambdaArn: fnArn,
        rotationRules: [{ scheduleExpression: x }],
      });
    }
    const roleName = x;
    const roleArn = `arn:aws:iam::${ACCOUNT}:role/r${i}`;
    add('aws:iam/role:Role', `role-${i}`, {
      name: roleName,
      arn: roleArn,
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
      tags: { ...tags(i), Service: x, ServiceName: x },
    });
    const policyArn = `arn:aws:iam::${ACCOUNT}:policy/p${i}`;
    add('aws:iam/policy:Policy', `policy-${i}`, {
      name: x,
      arn: policyArn,
      description: x,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: ['ssm:GetParameter', 'secretsmanager:GetSecretValue'], Resource: '*' },
          {
            Effect: 'Allow',
            Action: ['kms:Decrypt', `ssm:${x}`],
            Resource: [keyArn, `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/${x}`],
            Condition: { StringEquals: { 'kms:ViaService': `${x}.${REGION}.amazonaws.com`, [`aws:${x}`]: [x, n.name(i + 1)] } },
          },
        ],
      }),
    });
    add('aws:iam/rolePolicyAttachment:RolePolicyAttachment', `attach-${i}`, { role: roleName, policyArn });
    add('aws:iam/rolePolicy:RolePolicy', `inline-${i}`, {
      name: n.name(i + 2),
      role: roleName,
      policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', NotAction: [`s3:${x}`], Resource: `arn:aws:s3:::${x}` }] }),
    });
    if (i % 4 === 0) {
      add('aws:cloudtrail/trail:Trail', `trail-${i}`, {
        name: x,
        s3BucketName: n.name(i + 1),
        kmsKeyId: keyArn,
        isMultiRegionTrail: true,
        enableLogFileValidation: true,
        eventSelectors: [{ readWriteType: 'All', includeManagementEvents: true, dataResources: [{ type: x, values: [x, n.name(i + 1)] }] }],
        advancedEventSelectors: [{ name: x, fieldSelectors: [{ field: x, equals: [x, n.name(i + 2)] }] }],
      });
      add('aws:cloudwatch/metricAlarm:MetricAlarm', `alarm-${i}`, {
        name: x,
        metricName: n.name(i + 1),
        namespace: n.name(i + 2),
        alarmActions: [topicArn],
        alarmDescription: `access denied ${x}`,
      });
      add('aws:cloudwatch/eventRule:EventRule', `rule-${i}`, {
        name: x,
        eventPattern: JSON.stringify({ source: ['aws.secretsmanager'], detail: { eventName: ['RotationFailed'], x: [x] } }),
        description: `rotation failure ${x}`,
      });
      add('aws:cloudwatch/eventTarget:EventTarget', `target-${i}`, { rule: x, arn: topicArn });
      add('aws:sns/topicSubscription:TopicSubscription', `sub-${i}`, { topic: topicArn, protocol: n.name(i + 3), endpoint: x });
      add('pulumi:pulumi:StackReference', `ref-${i}`, { name: `org/proj/${x.replace(/\//g, '-')}` }, false);
    }
  }
  add('aws:lambda/function:Function', 'rotator', { name: n.name(7), arn: fnArn, role: `arn:aws:iam::${ACCOUNT}:role/r7`, runtime: 'python3.12', handler: 'index.handler' });
  return {
    version: 3,
    deployment: {
      manifest: { time: '2025-01-01T00:00:00Z', magic: '', version: 'v3.200.0' },
      secrets_providers: { type: 'passphrase', state: { salt: 'v1:AAAA:v1:BBBB:CCCC' } },
      resources,
    },
  };
}
