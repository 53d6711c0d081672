// Splits a byte stream into lines without holding more than the line being read: complete lines are
// handed over as views of the chunk they are in; only a line that spans chunks is copied.

export type LineHandler = (bytes: Buffer, start: number, end: number, line: number) => void;

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export class LineSplitter {
  private carried: Buffer[] = [];
  private carriedBytes = 0;
  /** The line being read is over the limit: its bytes are dropped up to its newline. */
  private overlong = false;
  /** 0-based number of the line being read. */
  private line = 0;

  constructor(
    private readonly maxLineBytes: number,
    private readonly onLine: LineHandler,
    private readonly onOverlong: (line: number) => void,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    let newline = chunk.indexOf(NEWLINE);
    if (this.carriedBytes > 0 || this.overlong) {
      if (newline === -1) {
        this.carry(chunk);
        return;
      }
      this.carry(chunk.subarray(0, newline));
      this.endCarried();
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }
    while (newline !== -1) {
      this.emit(chunk, start, newline);
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) this.carry(chunk.subarray(start));
  }

  /** The last line, when the input does not end with a newline. */
  end(): void {
    if (this.carriedBytes > 0 || this.overlong) this.endCarried();
  }

  private carry(part: Buffer): void {
    if (this.overlong || part.length === 0) return;
    if (this.carriedBytes + part.length > this.maxLineBytes) {
      this.overlong = true;
      this.carried = [];
      this.carriedBytes = 0;
      return;
    }
    this.carried.push(part);
    this.carriedBytes += part.length;
  }

  private endCarried(): void {
    if (this.overlong) {
      this.onOverlong(this.line++);
      this.overlong = false;
    } else {
      const whole = this.carried.length === 1 ? this.carried[0] : Buffer.concat(this.carried, this.carriedBytes);
      this.emit(whole, 0, whole.length);
    }
    this.carried = [];
    this.carriedBytes = 0;
  }

  private emit(bytes: Buffer, start: number, end: number): void {
    if (end - start > this.maxLineBytes) {
      this.onOverlong(this.line++);
      return;
    }
    if (end > start && bytes[end - 1] === CARRIAGE_RETURN) end--;
    this.onLine(bytes, start, end, this.line++);
  }
}
