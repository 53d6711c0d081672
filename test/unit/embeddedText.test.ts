// embeddedText: the text held in a YAML string scalar, mapped back to the file characters that write it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isScalar, Scalar, visit } from 'yaml';
import { embeddedTextOf, EmbeddedText } from '../../server/src/engine/embeddedText';
import { applyOffsetEdits } from '../../server/src/engine/textEdits';
import { parseSourceDocuments } from '../../server/src/engine/yamlParse';

/** The embedded text of the value of key `patch` in `file`. */
function patchOf(file: string): EmbeddedText {
  const embedded = patchIfParsed(file);
  assert.ok(embedded, 'the test file parses');
  return embedded;
}

function patchIfParsed(file: string): EmbeddedText | undefined {
  const [source] = parseSourceDocuments(file);
  if (!source.parsed) return undefined;
  let scalar: Scalar | undefined;
  visit(source.document, {
    Pair(_key, pair) {
      if (isScalar(pair.key) && pair.key.value === 'patch' && isScalar(pair.value)) scalar = pair.value;
    },
  });
  assert.ok(scalar, 'the test file has a patch scalar');
  const embedded = embeddedTextOf(file, scalar);
  assert.ok(embedded);
  return embedded;
}

/** Asserts that every occurrence of `needle` in the embedded text maps exactly onto the same characters of the file. */
function assertMapsExactly(file: string, needle: string, occurrences: number): void {
  const embedded = patchOf(file);
  assert.ok(embedded.mapped, `mapped: ${JSON.stringify(embedded.text)}`);
  let found = 0;
  for (let at = embedded.text.indexOf(needle); at !== -1; at = embedded.text.indexOf(needle, at + 1)) {
    const range = embedded.fileRange(at, at + needle.length);
    assert.equal(file.slice(range.start, range.end), needle);
    assert.ok(range.exact);
    found++;
  }
  assert.equal(found, occurrences, `${needle} in ${JSON.stringify(embedded.text)}`);
}

const OP_LIST = ['- op: add', '  path: /spec/externalIPs', '  value:', '  - 8.8.8.8', '  - 1.1.1.1'];

describe('embeddedText', () => {
  it('maps block literal scalars, every chomping and indentation, LF and CRLF', () => {
    for (const header of ['|', '|-', '|+', '|2', '|-2', '|2+', '| # a comment']) {
      for (const indent of ['  ', '    ', '      ']) {
        for (const eol of ['\n', '\r\n']) {
          const body = OP_LIST.map((line) => indent + line).join(eol);
          const file = ['patches:', `- patch: ${header}`, body, '', `  target: {kind: Service}`, ''].join(eol);
          const embedded = patchIfParsed(file);
          if (!embedded) {
            // Content no deeper than `patch` inside the `- ` item: not a block scalar, a YAML error.
            assert.ok(indent === '  ', `${header} ${JSON.stringify(indent)} ${JSON.stringify(eol)}`);
            continue;
          }
          assert.ok(embedded.mapped, `${header} ${JSON.stringify(indent)} ${JSON.stringify(eol)}`);
          assert.match(embedded.text, /^ *- op: add\n/);
          assertMapsExactly(file, '8.8.8.8', 1);
          assertMapsExactly(file, '/spec/externalIPs', 1);
        }
      }
    }
  });

  it('maps block scalars nested deeper than their indentation indicator and with more-indented lines', () => {
    const file = 'a:\n  b:\n    patch: |1\n       - 8.8.8.8\n      - 1.1.1.1\n';
    assertMapsExactly(file, '8.8.8.8', 1);
    // The indicator counts from the mapping's indentation (4): the content is indented by 5.
    assert.equal(patchOf(file).text, '  - 8.8.8.8\n - 1.1.1.1\n');
  });

  it('maps folded block scalars: words exactly, folded breaks as not exact', () => {
    const file = 'patch: >\n  {"op": "add",\n  "value": ["8.8.8.8"]}\n\n  next\n    more indented\n  last\n';
    const embedded = patchOf(file);
    assert.equal(embedded.text, '{"op": "add", "value": ["8.8.8.8"]}\nnext\n  more indented\nlast\n');
    assert.ok(embedded.mapped);
    assertMapsExactly(file, '8.8.8.8', 1);
    const fold = embedded.text.indexOf(' "value"');
    assert.equal(embedded.fileRange(fold, fold + 1).exact, false);
  });

  it('maps plain, single- and double-quoted scalars, folded over lines, with escapes', () => {
    assertMapsExactly('patch: \'[{"op": "add", "value": [\'\'8.8.8.8\'\']}]\'\n', '8.8.8.8', 1);
    assertMapsExactly('patch: "{\\"value\\": [\\"8.8.8.8\\"]}"\n', '8.8.8.8', 1);
    assertMapsExactly('patch: "spec:\\n  externalIPs: [8.8.8.8]"\n', '8.8.8.8', 1);
    assertMapsExactly('x:\n  patch: spec\n    externalIPs [8.8.8.8,\n\n     1.1.1.1]\n', '1.1.1.1', 1);
    assertMapsExactly('patch: "a\\\n   8.8.8.8  \n  \t\n  b"\r\n', '8.8.8.8', 1);
    const escaped = 'patch: "\\x38.8.8.8 \\u0038.8.8.8"\n';
    const embedded = patchOf(escaped);
    assert.equal(embedded.text, '8.8.8.8 8.8.8.8');
    const range = embedded.fileRange(0, 7);
    assert.equal(escaped.slice(range.start, range.end), '\\x38.8.8.8');
    assert.equal(range.exact, false);
  });

  it('falls back to the whole scalar when the rebuilt value is not the parsed one', () => {
    const file = 'patch: "a\\qb"\n';
    const [source] = parseSourceDocuments(file);
    let scalar: Scalar | undefined;
    visit(source.document, { Scalar(_k, node) { if (node.value !== 'patch') scalar = node; } });
    assert.ok(scalar);
    // A scalar read by another parser: forge a value the source does not write.
    scalar.value = 'something else';
    const embedded = embeddedTextOf(file, scalar);
    assert.ok(embedded && !embedded.mapped);
    assert.deepEqual(embedded.fileRange(0, 3), { start: 7, end: 13, exact: false });
    assert.equal(embedded.fileEdits([{ start: 0, end: 1, newText: '' }]), undefined);
  });

  it('maps edits of whole lines and list items only when the edited file reads back as intended', () => {
    for (const eol of ['\n', '\r\n']) {
      for (const header of ['|', '|-', '|+']) {
        const file = ['patches:', `- patch: ${header}`, ...OP_LIST.map((line) => '    ' + line), '  target: {kind: Service}', ''].join(eol);
        const embedded = patchOf(file);
        const line = embedded.text.indexOf('  - 8.8.8.8\n');
        const edits = [{ start: line, end: line + '  - 8.8.8.8\n'.length, newText: '' }];
        const fileEdits = embedded.fileEdits(edits);
        assert.ok(fileEdits, `${header} ${JSON.stringify(eol)}`);
        const edited = applyOffsetEdits(file, fileEdits)!;
        assert.equal(patchOf(edited).text, applyOffsetEdits(embedded.text, edits));
        assert.ok(!edited.includes('8.8.8.8') && edited.includes('1.1.1.1'));
      }
    }
    const flow = 'patch: \'[{"op": "add", "path": "/spec/externalIPs", "value": ["8.8.8.8", "1.1.1.1"]}]\'\n';
    const embedded = patchOf(flow);
    const item = embedded.text.indexOf('"8.8.8.8", ');
    const fileEdits = embedded.fileEdits([{ start: item, end: item + '"8.8.8.8", '.length, newText: '' }]);
    assert.ok(fileEdits);
    assert.equal(applyOffsetEdits(flow, fileEdits), 'patch: \'[{"op": "add", "path": "/spec/externalIPs", "value": ["1.1.1.1"]}]\'\n');
    // A single quote inserted into a single-quoted scalar would need re-escaping: not proven, not offered.
    assert.equal(embedded.fileEdits([{ start: item, end: item + 1, newText: "'" }]), undefined);
  });

  it('maps every character it calls exact onto that very character, in every style', () => {
    const scalars = [
      '|\n  a: 1\n\n   b\t c\n  d\n\n\n',
      '|+\r\n  a\r\n\r\n',
      '>-\n  a\n  b\n\n  c\n   d\n  e\n',
      '>2\n   x\n  y\n',
      '"a \\t b\\\n  c\\\"d\\u00e9\\U0001F600 \n\n  e\t"',
      "'a ''b''\n   c\n\n  d '",
      'a b\n  c\t\n\n  d',
    ];
    for (const scalar of scalars) {
      const file = `patch: ${scalar}\n`;
      const embedded = patchOf(file);
      assert.ok(embedded.mapped, JSON.stringify(scalar));
      for (let at = 0; at < embedded.text.length; at++) {
        const range = embedded.fileRange(at, at + 1);
        assert.ok(range.start >= embedded.scalarStart && range.end <= embedded.scalarEnd);
        if (range.exact) assert.equal(file.slice(range.start, range.end), embedded.text[at], `${JSON.stringify(scalar)} at ${at}`);
      }
    }
  });

  it('gives nothing for a scalar that is not a string', () => {
    const scalar = new Scalar(3);
    scalar.range = [0, 1, 1];
    assert.equal(embeddedTextOf('3\n', scalar), undefined);
  });
});
