/**
 * Redaction of values a state holds unmarked: environment variables as `{name, value}` pairs (ECS,
 * in a task definition's JSON text or as data; Kubernetes containers), references under secret-like
 * names (kept: they are not secrets), and kubeconfigs with and without credentials.
 */
import { describe, expect, it } from 'vitest';
import { graphFromStateDocument } from '../../diagrams/sources/state.ts';
import { EstateFixture } from '../fixtures/estates.ts';

const PASSWORD = 'Gerdisch419-planted';

function graphOf(build: (s: ReturnType<EstateFixture['stack']>) => void) {
  const f = new EstateFixture('app');
  const s = f.stack('dev');
  build(s);
  const g = graphFromStateDocument(s.exportDocument(), 'test');
  return { g, json: JSON.stringify(g) };
}

describe('unmarked values', () => {
  it('redacts an ECS container variable named like a secret inside the JSON text of containerDefinitions, and records where', () => {
    const { g, json } = graphOf((s) => s.taskDefinition('web', [{ name: 'app', environment: { PORT: '8080', WORDPRESS_DB_PASSWORD: PASSWORD } }], { json: true }));
    expect(json).not.toContain(PASSWORD);
    expect(json).toContain('8080');
    const paths = g.metadata.plaintextSecrets.map((p) => `${p.path} ${p.reason}`);
    expect(paths).toContain('inputs.containerDefinitions[0].environment[1].value unmarked-sensitive-field');
    const td = g.resources.find((r) => r.type === 'aws:ecs/taskDefinition:TaskDefinition')!;
    // Still JSON text the estate can read.
    expect(JSON.parse(td.inputs['containerDefinitions'] as string)[0].environment[0]).toEqual({ name: 'PORT', value: '8080' });
  });

  it('redacts `{name, value}` pairs held as data (an aws-native task definition)', () => {
    const { g, json } = graphOf((s) => s.taskDefinition('web', [{ name: 'app', environment: { API_TOKEN: PASSWORD } }], { native: true }));
    expect(json).not.toContain(PASSWORD);
    expect(g.metadata.plaintextSecrets.map((p) => p.path)).toContain('inputs.containerDefinitions[0].environment[0].value');
  });

  it('keeps a reference under a secret-like name: an ARN, a dynamic reference, a parameter path', () => {
    const refs = {
      DB_PASSWORD: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf',
      API_TOKEN: '{{resolve:secretsmanager:api:SecretString:token}}',
      APP_SECRET: '/app/dev/secret',
    };
    const { g, json } = graphOf((s) => s.lambda('fn', s.role('fn-role'), { environment: refs }));
    for (const v of Object.values(refs)) expect(json).toContain(JSON.stringify(v).slice(1, -1));
    expect(g.metadata.plaintextSecrets.filter((p) => p.path.includes('environment'))).toEqual([]);
  });

  it('does not call a kubeconfig that authenticates by a command a secret in plain text; one that holds a token is', () => {
    const exec = JSON.stringify({ users: [{ name: 'u', user: { exec: { command: 'aws', args: ['eks', 'get-token', '--cluster-name', 'c'] } } }] });
    const token = 'users:\n- name: u\n  user:\n    token: planted-kube-token\n';
    const { g, json } = graphOf((s) => {
      s.add('pulumi:providers:kubernetes', 'exec', { kubeconfig: exec }, { id: 'exec-id' });
      s.add('pulumi:providers:kubernetes', 'static', { kubeconfig: token }, { id: 'static-id' });
    });
    expect(json).not.toContain('planted-kube-token');
    expect(json).not.toContain('get-token'); // redacted all the same
    const urns = new Set(g.metadata.plaintextSecrets.filter((p) => p.path.endsWith('kubeconfig')).map((p) => p.urn.split('::').pop()));
    expect([...urns]).toEqual(['static']);
  });
});
