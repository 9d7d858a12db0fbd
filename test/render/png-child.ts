/**
 * A child process for the PNG clean-up tests: launches the PNG renderer, renders one SVG, prints the
 * profile directory and the browser's pid as one JSON line, then waits to be killed.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OWNER_FILE, PngRenderer, PROFILE_PREFIX } from '../../diagrams/render/png.ts';

const r = await PngRenderer.launch();
await r.render('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 20"><rect width="40" height="20" fill="#00f"/></svg>');
const profile = readdirSync(tmpdir()).find((n) => n.startsWith(PROFILE_PREFIX))!;
const owner = JSON.parse(readFileSync(join(tmpdir(), profile, OWNER_FILE), 'utf8')) as { browserPid: number };
process.stdout.write(`${JSON.stringify({ profile: join(tmpdir(), profile), browserPid: owner.browserPid })}\n`);
setInterval(() => undefined, 1_000);
