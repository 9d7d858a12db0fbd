/**
 * Run by commit.test.ts in a child process: writes the files of a JSON file into an output
 * directory and kills itself (SIGKILL, no clean-up of any kind) just before the chosen step.
 *
 *   node --import tsx kill-child.ts <out> <files.json> <phase> <action> <index>
 */
import { promises as fs } from 'node:fs';
import { writeOutputs, type OutputFile } from '../../../diagrams/writer/index.ts';

const [out, filesJson, phase, action, index] = process.argv.slice(2) as [string, string, string, string, string];
const files = JSON.parse(await fs.readFile(filesJson, 'utf8')) as OutputFile[];
await writeOutputs(out, files, [], {
  onStep: (s) => {
    if (s.phase === phase && s.action === action && s.index === Number(index)) process.kill(process.pid, 'SIGKILL');
  },
});
process.stdout.write('not killed\n');
