/** Program source: runs the Pulumi program under mocks (work in progress). */
import { GeneratorError } from '../errors.ts';
import type { ResourceGraph } from '../graph/types.ts';

export interface ProgramOptions {
  readonly cwd?: string;
  readonly stacks?: readonly string[];
}

export async function runProgram(dir: string, _opts: ProgramOptions = {}): Promise<ResourceGraph[]> {
  throw new GeneratorError('environment', 'the program source is not implemented yet', { subject: `--program ${dir}`, expected: '--state, --backend or --preview for now' });
}
