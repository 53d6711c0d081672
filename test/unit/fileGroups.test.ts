// FileGroups keeps each key's items in file order whatever order files are added, replaced and removed in:
// the Linker's indexes must list roles and bindings as a link from scratch over sorted files would.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareFileIds, FileGroups } from '../../server/src/engine/workspace/fileGroups';
import { mulberry32 } from '../support/fuzz';

describe('FileGroups', () => {
  it('lists a key’s items in file order, each file’s in the order it gave them', () => {
    const groups = new FileGroups<string>();
    groups.add('b.yaml', [['admin', 'b1'], ['view', 'b2'], ['admin', 'b3']]);
    groups.add('a.yaml', [['admin', 'a1']]);
    groups.add('c.yaml', [['admin', 'c1']]);
    assert.deepEqual(groups.get('admin'), ['a1', 'b1', 'b3', 'c1']);
    assert.deepEqual(groups.get('view'), ['b2']);
    assert.deepEqual(groups.get('edit'), []);
  });

  it('forgets what a file gave when it is removed, and takes its new items in its place', () => {
    const groups = new FileGroups<string>();
    groups.add('a.yaml', [['admin', 'a1']]);
    groups.add('b.yaml', [['admin', 'b1']]);
    assert.deepEqual(groups.get('admin'), ['a1', 'b1']);
    groups.remove('a.yaml', ['admin']);
    assert.deepEqual(groups.get('admin'), ['b1']);
    groups.add('a.yaml', [['admin', 'a2']]);
    assert.deepEqual(groups.get('admin'), ['a2', 'b1']);
    groups.remove('b.yaml', ['admin', 'never-given']);
    groups.remove('a.yaml', ['admin']);
    assert.deepEqual(groups.get('admin'), []);
  });

  it('matches a grouping of the same files from scratch after random changes', () => {
    const next = mulberry32(12);
    const files = ['a', 'b', 'B', 'c/x.yaml', 'c.yaml', 'é.yaml', 'z'];
    const keys = ['admin', 'view', 'edit'];
    const current = new Map<string, [string, string][]>();
    const groups = new FileGroups<string>();
    for (let step = 0; step < 300; step++) {
      const file = files[Math.floor(next() * files.length)];
      const old = current.get(file);
      if (old) groups.remove(file, old.map(([key]) => key));
      current.delete(file);
      if (next() < 0.7) {
        const entries = Array.from({ length: 1 + Math.floor(next() * 3) }, (_, index): [string, string] => [keys[Math.floor(next() * keys.length)], `${file}#${step}.${index}`]);
        groups.add(file, entries);
        current.set(file, entries);
      }
      for (const key of keys) {
        const expected = [...current.keys()].sort(compareFileIds).flatMap((each) => (current.get(each) ?? []).filter(([entryKey]) => entryKey === key).map(([, item]) => item));
        assert.deepEqual(groups.get(key), expected, `step ${step}, key ${key}`);
      }
    }
  });
});
