import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseContactsCsv, exportContactsCsv, findExistingDuplicates } from '../../core/contacts/csv.ts';
import { normalisePhoneNumber, toStoredNumber, parseStoredNumber } from '../../core/phone/normalise.ts';
import { ValidationError } from '../../core/errors.ts';

describe('phone numbers', () => {
  it('normalise to E.164 with the default region', () => {
    assert.deepEqual(normalisePhoneNumber('138 0013 8000'), { e164: '+8613800138000', extension: '' });
    assert.equal(normalisePhoneNumber('010-6552 9988').e164, '+861065529988');
    assert.equal(normalisePhoneNumber('(650) 253-0000', { defaultRegion: 'US' }).e164, '+16502530000');
    assert.equal(normalisePhoneNumber('+44 20 7946 0958', { defaultRegion: 'US' }).e164, '+442079460958');
    assert.equal(normalisePhoneNumber('00442079460958').e164, '+442079460958');
  });

  it('split an extension after * or ,', () => {
    assert.deepEqual(normalisePhoneNumber('010 6552 9988*801'), { e164: '+861065529988', extension: '801' });
    assert.deepEqual(normalisePhoneNumber('01065529988,801#'), { e164: '+861065529988', extension: '801#' });
    assert.equal(toStoredNumber('01065529988,801'), '+861065529988*801');
    assert.deepEqual(parseStoredNumber('+861065529988*801'), { e164: '+861065529988', extension: '801' });
  });

  it('reject what is not a number', () => {
    for (const bad of ['', 'abc', '123', '95555', '+86 138', "1380013800'; DROP TABLE contacts", '1'.repeat(80), '13800138000*ab']) {
      assert.throws(() => normalisePhoneNumber(bad), ValidationError, bad);
    }
  });
});

describe('contact CSV import', () => {
  it('reads Chinese headers and a BOM, normalises numbers, splits groups', () => {
    const csv = '\uFEFF姓名,手机,邮箱,公司,分组,备注\n张三,138 0013 8000,zs@example.com,某公司,销售;管理,"备注, 含逗号"\n李四,010-65529988*801,,,销售,\n';
    const r = parseContactsCsv(csv);
    assert.deepEqual(r.errors, []);
    assert.equal(r.rows.length, 2);
    assert.deepEqual(r.rows[0], { line: 2, contact: { name: '张三', phone: '+8613800138000', email: 'zs@example.com', company: '某公司', note: '备注, 含逗号', groups: ['销售', '管理'] } });
    assert.equal(r.rows[1]!.contact.phone, '+861065529988*801');
    assert.equal(r.rows[1]!.contact.email, null);
  });

  it('reports duplicates inside the file and against the address book', () => {
    const csv = 'name,phone\nA,13800138000\nB,+86 138 0013 8000\nC,13900139000\n';
    const r = parseContactsCsv(csv);
    assert.deepEqual(r.duplicatesInFile, [{ line: 3, firstLine: 2, phone: '+8613800138000' }]);
    assert.deepEqual(r.rows.map((x) => x.contact.name), ['A', 'C']);
    assert.deepEqual(findExistingDuplicates(r.rows, ['+8613900139000']).map((x) => x.line), [4]);
  });

  it('keeps bad rows out with a reason and never throws for them', () => {
    const r = parseContactsCsv('name,phone,email\n,13800138000,\nX,not-a-number,\nY,13800138000,bad@\n<script>alert(1)</script>,13900139000,\n');
    assert.deepEqual(r.errors.map((e) => e.line), [2, 3, 4]);
    assert.equal(r.rows.length, 1);
    assert.equal(r.rows[0]!.contact.name, '<script>alert(1)</script>'); // stored as text; escaping is the page's job
  });

  it('refuses files without the needed columns or that are not CSV', () => {
    assert.throws(() => parseContactsCsv(''), ValidationError);
    assert.throws(() => parseContactsCsv('foo,bar\n1,2\n'), ValidationError);
    assert.throws(() => parseContactsCsv('name,phone\n"unterminated,1\n'), ValidationError);
  });

  it('round-trips through export', () => {
    const contacts = [
      { name: '王五', phone: '+8613800138000', email: null, company: '', note: 'a "quote"', groups: ['g1', 'g2'] },
      { name: 'Smith, J', phone: '+16502530000*12', email: 'j@example.com', company: 'ACME', note: '', groups: [] },
    ];
    const out = exportContactsCsv(contacts);
    assert.ok(out.startsWith('\uFEFFname,phone,email,company,groups,note\n'));
    const back = parseContactsCsv(out);
    assert.deepEqual(back.rows.map((r) => r.contact), contacts);
  });
});
