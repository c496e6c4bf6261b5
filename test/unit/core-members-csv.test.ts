// The directory CSV of members (issue 19): English and Chinese headers, a
// byte-order mark, e-mails lower-cased, phones to E.164, errors and in-file
// duplicates row by row, and the duplicates against existing members.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDirectoryCsv, splitExisting } from '../../core/members/csv.ts';
import { ValidationError } from '../../core/errors.ts';

describe('directory CSV', () => {
  it('reads English headers in any order, and Chinese ones with a BOM', () => {
    const en = parseDirectoryCsv('Department,E-mail,Name,Mobile\nSales,Zhang.San@Example.com,张三,138 0013 8000\n', { defaultRegion: 'CN' });
    assert.deepEqual(en.rows, [{ line: 2, member: { name: '张三', email: 'zhang.san@example.com', phone: '+8613800138000', department: 'Sales' } }]);
    const zh = parseDirectoryCsv('\uFEFF姓名,邮箱,手机,部门\n李四,li.si@example.com,,财务部\n', { defaultRegion: 'CN' });
    assert.deepEqual(zh.rows, [{ line: 2, member: { name: '李四', email: 'li.si@example.com', phone: null, department: '财务部' } }]);
  });

  it('refuses a file without name or e-mail columns, or an empty one', () => {
    assert.throws(() => parseDirectoryCsv('name,phone\nx,13800138000\n'), ValidationError);
    assert.throws(() => parseDirectoryCsv(''), ValidationError);
    assert.throws(() => parseDirectoryCsv('name,email\n"unclosed,x@y.z\n'), ValidationError);
  });

  it('reports errors and in-file duplicates by line, keeping the first of each', () => {
    const p = parseDirectoryCsv([
      'name,email,phone',
      'A,a@x.example,13800138001',
      ',b@x.example,',
      'C,not-an-email,',
      'D,d@x.example,12',
      'E,A@X.example,',
      'F,f@x.example,+86 138 0013 8001',
      'G,g@x.example,',
    ].join('\n'), { defaultRegion: 'CN' });
    assert.deepEqual(p.rows.map((r) => r.line), [2, 8]);
    assert.deepEqual(p.errors.map((e) => e.line), [3, 4, 5]);
    assert.deepEqual(p.duplicates, [
      { line: 6, field: 'email', value: 'a@x.example', firstLine: 2 },
      { line: 7, field: 'phone', value: '+8613800138001', firstLine: 2 },
    ]);
  });

  it('splits off rows whose username, e-mail or phone is a member\'s', () => {
    const p = parseDirectoryCsv('name,email,phone\nA,a@x.example,\nB,b@x.example,\nC,c@x.example,13800138009\nD,d@x.example,\n', { defaultRegion: 'CN' });
    const s = splitExisting(p.rows, { usernames: new Set(['a@x.example']), emails: new Set(['b@x.example']), phones: new Set(['+8613800138009']) });
    assert.deepEqual(s.duplicates.map((d) => [d.line, d.field, d.firstLine]), [[2, 'username', null], [3, 'email', null], [4, 'phone', null]]);
    assert.deepEqual(s.fresh.map((r) => r.member.email), ['d@x.example']);
  });
});
