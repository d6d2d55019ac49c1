// Builds every page under web/ (each folder with a vite.config.ts) into web/dist/<page>/.
// Run by `npm install` (postinstall), so the server has its pages without a separate step.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const webDir = fileURLToPath(new URL('../web', import.meta.url));
const pages = fs.readdirSync(webDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(webDir, entry.name, 'vite.config.ts')))
  .map((entry) => entry.name);

for (const page of pages) {
  await build({ configFile: path.join(webDir, page, 'vite.config.ts'), logLevel: 'warn' });
  process.stdout.write(`built web/dist/${page}\n`);
}
