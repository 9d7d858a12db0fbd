/**
 * The pipeline with its real pure stages (estate build, rules, cost, views) over fixture estates,
 * and stand-in renderers that count what they do: no D2, no browser. No vitest import, so that a
 * probe script run with tsx can load it too.
 */

import path from 'node:path';
import { estimateCost } from '../../diagrams/compliance/cost.ts';
import { evaluateRules, failsAt } from '../../diagrams/compliance/rules/index.ts';
import { buildEstate } from '../../diagrams/estate/build/index.ts';
import type { ResourceGraph } from '../../diagrams/graph/types.ts';
import type { Components, PipelineOptions } from '../../diagrams/pipeline/index.ts';
import { VIEWS } from '../../diagrams/views/index.ts';
import { allow, EstateFixture, type FixtureStack } from '../fixtures/estates.ts';

export interface Counters {
  svgStarts: number;
  pngLaunches: number;
  svgRenders: number;
  pngRenders: number;
}

export const zero = (): Counters => ({ svgStarts: 0, pngLaunches: 0, svgRenders: 0, pngRenders: 0 });

/** A stack with something for every view: a key, a String and a SecureString parameter, a secret, and a Lambda role reading them. */
export function fullStack(s: FixtureStack): FixtureStack {
  const env = s.name;
  const key = s.key(`${s.project}-${env}-key`);
  s.parameter(`/${s.project}/${env}/db/host`);
  s.parameter(`/${s.project}/${env}/db/password`, { type: 'SecureString', key });
  const secret = s.secret(`${s.project}/${env}/api-token`, { key });
  const role = s.role(`${s.project}-${env}-api`, { trust: 'lambda', tags: { Service: 'api' } });
  s.lambda(`${s.project}-${env}-api`, role);
  s.policy(`${s.project}-${env}-read`, [allow(['ssm:GetParameter'], [s.paramArn(`/${s.project}/${env}/*`)]), allow('secretsmanager:GetSecretValue', secret.arn), allow('kms:Decrypt', key.arn)], { roles: [role] });
  return s;
}

/** The `envs` stacks of `project`, each a `fullStack`; `extra` adds to each (say a parameter of one environment only). */
export function projectGraphs(project: string, envs: readonly string[] = ['dev', 'prod'], extra?: (s: FixtureStack) => void): ResourceGraph[] {
  const f = new EstateFixture(project);
  for (const env of envs) {
    const s = fullStack(f.stack(env));
    extra?.(s);
  }
  return f.graphs();
}

/** `dev` and `prod` of project `app`, each drawn in all four views. */
export function twoStacks(): ResourceGraph[] {
  const f = new EstateFixture('app');
  fullStack(f.stack('dev'));
  fullStack(f.stack('prod'));
  return f.graphs();
}

/** The stand-in SVG of a D2 source: the source inside, so that different sources give different bytes. */
export const fakeSvg = (d2: string): string => `<svg viewBox="0 0 10 10"><!-- ${d2.replace(/-/g, '_')} --></svg>`;
/** The stand-in PNG of an SVG: a PNG signature, then the SVG. */
export const fakePng = (svg: string): Buffer => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.from(svg)]);

/** The real pure stages over `graphs`, with counting stand-in renderers; `overrides` replace any part. */
export function components(counters: Counters, graphs: () => ResourceGraph[] = twoStacks, overrides: Partial<Components> = {}): Components {
  return {
    loadGraphs: async () => graphs(),
    buildEstate,
    evaluateRules: (e, s) => evaluateRules(e, s),
    failsAt,
    estimateCost,
    views: VIEWS,
    startSvg: async () => {
      counters.svgStarts++;
      return { render: async (d2: string) => (counters.svgRenders++, fakeSvg(d2)), close: async () => undefined };
    },
    launchPng: async () => {
      counters.pngLaunches++;
      return { render: async (svg: string) => (counters.pngRenders++, fakePng(svg)), close: async () => undefined };
    },
    svgIdentity: async () => 'svg-test',
    pngIdentity: async () => 'png-test',
    ...overrides,
  };
}

/** Options of a run into `<dir>/out` with its cache in `<dir>/cache`. */
export function options(dir: string, extra: Partial<PipelineOptions> = {}): PipelineOptions {
  return { source: {}, out: path.join(dir, 'out'), formats: ['svg', 'png', 'md'], cacheDir: path.join(dir, 'cache'), ...extra };
}
