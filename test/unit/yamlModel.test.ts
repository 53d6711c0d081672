// yamlModel's readings of scalars as go-yaml v2 (behind sigs.k8s.io/yaml) resolves them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMap } from 'yaml';
import { goYamlInteger } from '../../server/src/engine/yamlModel';
import { parseSourceDocuments } from '../../server/src/engine/yamlParse';

/** The integer of the value of `port` in a one-line flow map `{port: <written>}`. */
function portOf(written: string): number | undefined {
  const [source] = parseSourceDocuments(`{port: ${written}}\n`);
  const map = source.document.contents;
  assert.ok(isMap(map));
  return goYamlInteger(map.items[0].value as never);
}

describe('goYamlInteger', () => {
  it('reads every integer form go-yaml v2 resolves, and floats without fraction', () => {
    const cases: [string, number][] = [
      ['443', 443],
      ['+443', 443],
      ['-1', -1],
      ['4_43', 443],
      ['0x1BB', 443],
      ['0o673', 443],
      ['0673', 443],
      ['0b110111011', 443],
      ['0', 0],
      // Not octal (8 is no octal digit): go-yaml falls back to a float, which is 80.
      ['080', 80],
      ['443.0', 443],
      ['4.43e2', 443],
    ];
    for (const [written, value] of cases) assert.equal(portOf(written), value, written);
  });

  it('gives nothing for strings, tags, booleans, fractions and special floats', () => {
    for (const written of ['"443"', "'443'", '!!int 443', 'true', 'on', '44.3', '.inf', '.nan', '~', 'http', '0o8', '1:20']) {
      assert.equal(portOf(written), undefined, written);
    }
  });
});
