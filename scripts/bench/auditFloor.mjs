// The floor for `audit-log`'s throughput (issue 15): a bare line reader and JSON.parse over every line of
// the file, nothing else. Usage: node scripts/bench/auditFloor.mjs FILE → prints the line count.
import * as fs from 'node:fs';
import * as readline from 'node:readline';

let lines = 0;
const input = readline.createInterface({ input: fs.createReadStream(process.argv[2]), crlfDelay: Infinity });
for await (const line of input) {
  if (line === '') continue;
  JSON.parse(line);
  lines++;
}
process.stdout.write(`${lines}\n`);
