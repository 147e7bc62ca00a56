// Unit tests of the formatting and parsing people see and type.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { money, date, parsePounds, parseWhole, parseDateParts, penceToPounds } from '../src/format.js';

test('money shows pounds with thousands separators', () => {
  assert.equal(money(180000), '£1,800');
  assert.equal(money(180050), '£1,800.50');
  assert.equal(money(123456789), '£1,234,567.89');
  assert.equal(money(0), '£0');
});

test('dates read as "31 March 2027"', () => {
  assert.equal(date('2027-03-31'), '31 March 2027');
  assert.equal(date('2027-03-31T00:00:00Z'), '31 March 2027');
  assert.equal(date(''), '');
});

test('pounds typed in any usual way become pence', () => {
  for (const [input, want] of [['1800', 180000], ['£1,800.50', 180050], [' 12.5 ', 1250], ['0.99', 99], ['abc', null], ['1.234', null], ['', null], ['-5', null]]) {
    assert.equal(parsePounds(input), want, input);
  }
  assert.equal(penceToPounds(180050), '1800.50');
  assert.equal(penceToPounds(180000), '1800');
});

test('whole numbers accept separators and nothing else', () => {
  assert.equal(parseWhole('1,200'), 1200);
  assert.equal(parseWhole('1.5'), null);
  assert.equal(parseWhole(''), null);
});

test('date parts are checked like the GOV.UK date pattern', () => {
  assert.deepEqual(parseDateParts({ day: '31', month: '3', year: '2027' }), { value: '2027-03-31' });
  assert.match(parseDateParts({ day: '31', month: '2', year: '2027' }).error, /real date/);
  assert.equal(parseDateParts({ day: '', month: '3', year: '2027' }).part, 'day');
  assert.match(parseDateParts({}).error, /^Enter/);
});
