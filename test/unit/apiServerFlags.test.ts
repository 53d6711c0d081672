// kube-apiserver's admission flags as pflag reads them (StringSlice: `=` or next-argument form, CSV values
// without trimming, repeated flags append, `--` ends the flags).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { admissionFlags, hasFlag, readCsvRecord, writeCsvRecord } from '../../server/src/engine/apiServerFlags';

describe('kube-apiserver admission flags', () => {
  it('reads the = form and the next-argument form, and appends repeated flags', () => {
    const flags = admissionFlags([
      '--advertise-address=10.0.0.1',
      '--enable-admission-plugins=NodeRestriction',
      '--disable-admission-plugins',
      'DefaultStorageClass,DenyServiceExternalIPs',
      '--enable-admission-plugins',
      'PodSecurity',
    ]);
    assert.deepEqual(flags.enabled, ['NodeRestriction', 'PodSecurity']);
    assert.deepEqual(flags.disabled, ['DefaultStorageClass', 'DenyServiceExternalIPs']);
    assert.deepEqual(
      flags.uses.map(({ flag, nameIndex, valueIndex, form }) => [flag, nameIndex, valueIndex, form]),
      [
        ['enable-admission-plugins', 1, 1, '='],
        ['disable-admission-plugins', 2, 3, 'next'],
        ['enable-admission-plugins', 4, 5, 'next'],
      ],
    );
  });

  it('keeps spaces (they name another plugin), reads an empty value as no plugin, and stops at --', () => {
    assert.deepEqual(admissionFlags(['--enable-admission-plugins=NodeRestriction, DenyServiceExternalIPs']).enabled, ['NodeRestriction', ' DenyServiceExternalIPs']);
    assert.deepEqual(admissionFlags(['--enable-admission-plugins=']).enabled, []);
    assert.deepEqual(admissionFlags(['--', '--enable-admission-plugins=DenyServiceExternalIPs']).uses, []);
    // Prefixes and single dashes are other flags.
    assert.deepEqual(admissionFlags(['--enable-admission-plugins-x=A', '-enable-admission-plugins=A']).uses, []);
  });

  it('a flag without its value is malformed (kube-apiserver refuses it)', () => {
    const [use] = admissionFlags(['--enable-admission-plugins']).uses;
    assert.equal(use.malformed, true);
    assert.equal(use.valueIndex, undefined);
  });

  it('reads a value as one encoding/csv record', () => {
    assert.deepEqual(readCsvRecord('A,B'), { fields: ['A', 'B'], malformed: false });
    assert.deepEqual(readCsvRecord('"A,B",C'), { fields: ['A,B', 'C'], malformed: false });
    assert.deepEqual(readCsvRecord('"say ""hi"""'), { fields: ['say "hi"'], malformed: false });
    assert.deepEqual(readCsvRecord('A,'), { fields: ['A', ''], malformed: false });
    assert.equal(readCsvRecord('"A').malformed, true);
    assert.equal(readCsvRecord('A"B').malformed, true);
    assert.equal(readCsvRecord('"A"B').malformed, true);
  });
  it('writes CSV records that read back as the same fields', () => {
    for (const fields of [['NodeRestriction', 'DenyServiceExternalIPs'], ['A,B', 'C'], ['say "hi"'], [''], ['', 'A'], [' spaced']]) {
      assert.deepEqual(readCsvRecord(writeCsvRecord(fields)), { fields, malformed: false }, JSON.stringify(fields));
    }
    assert.equal(writeCsvRecord(['NodeRestriction', 'DenyServiceExternalIPs']), 'NodeRestriction,DenyServiceExternalIPs');
  });

  it('finds a flag in either form, before -- only', () => {
    assert.equal(hasFlag(['--etcd-servers=https://etcd:2379'], 'etcd-servers'), true);
    assert.equal(hasFlag(['--etcd-servers', 'https://etcd:2379'], 'etcd-servers'), true);
    assert.equal(hasFlag(['--etcd-servers-overrides=x'], 'etcd-servers'), false);
    assert.equal(hasFlag(['--', '--etcd-servers=x'], 'etcd-servers'), false);
  });
});
