// jest's globalSetup: tells the test files where helm and Chromium are, found the way `npm test`'s
// pretest found them (scripts/test-tools.mjs), through the variables that also let a user name them.
// Workers start after this and inherit the environment.
import { locate, TOOLS } from './test-tools.mjs';

export default function globalSetup() {
  for (const tool of TOOLS) {
    if (!tool.env || process.env[tool.env]) continue;
    const path = locate(tool);
    if (path) process.env[tool.env] = path;
  }
}
