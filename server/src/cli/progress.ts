// A one-line progress indicator on standard error, only when it is a terminal and the scan takes a
// while; never in pipes or CI logs. The line is erased when the scan ends.
import { Output } from './output';

const SHOW_AFTER_MS = 300;
const UPDATE_EVERY_MS = 100;

export class Progress {
  private readonly started = Date.now();
  private lastDrawn = 0;
  private shown = false;

  constructor(private readonly output: Output, private readonly enabled = output.stderrIsTTY && !process.env.CI) {}

  update(count: number, current: string): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.started < SHOW_AFTER_MS || now - this.lastDrawn < UPDATE_EVERY_MS) return;
    this.lastDrawn = now;
    this.shown = true;
    const columns = process.stderr.columns || 80;
    const line = `Checking file ${count}: ${current}`;
    const fitted = line.length >= columns ? `${line.slice(0, columns - 2)}…` : line;
    this.output.stderr(`\r\u001b[2K${fitted}`);
  }

  done(): void {
    if (this.shown) this.output.stderr('\r\u001b[2K');
    this.shown = false;
  }
}
