// Times the browser's evaluator on the Go benchmark's work (BenchmarkFormEvaluate): every rule of
// a 150-field form, 60 rules, against one complete declaration. Run: node rules/js/bench.js
import { readFileSync } from 'node:fs';
import { evaluateForm } from './rules.js';

const file = JSON.parse(readFileSync(new URL('../testdata/bench.compiled.json', import.meta.url)));
const { form, data, context } = file.bench[0];

function measure(n) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) evaluateForm(form, data, context);
  return Number(process.hrtime.bigint() - start) / n / 1000; // µs per evaluation
}

measure(50000); // warm up the JIT
const runs = [];
for (let r = 0; r < 7; r++) runs.push(measure(50000));
runs.sort((a, b) => a - b);
console.log(`evaluateForm, 150 fields, 60 rules: ${runs[3].toFixed(2)} µs per declaration (median of 7 runs of 50000)`);
