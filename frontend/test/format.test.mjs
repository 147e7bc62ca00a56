// Unit tests of the formatting and parsing people see and type.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { money, amount, toYou, date, parsePounds, parseWhole, parseDateParts, penceToPounds } from '../src/format.js';

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

test('an amount reads as people say it: pounds as money, one of a thing in the singular', () => {
  for (const [q, u, want] of [[1, 'pounds', '£1'], [1200, 'Pounds', '£1,200'], [5, '£', '£5'], [1, 'coats', '1 coat'], [500, 'coats', '500 coats'],
    [1, 'hours', '1 hour'], [1, 'boxes', '1 box'], [1, 'bags of food', '1 bags of food'], [1, 'batteries', '1 battery'], [1, 'glass', '1 glass'], [2, 'kg', '2 kg'], [1, 'laptop', '1 laptop']]) {
    assert.equal(amount(q, u), want, `${q} ${u}`);
  }
});

test('a score explained to the supplier it is about says "you"', () => {
  for (const [from, want] of [
    ["The supplier's base is 1.4 km from Brinnington: close by.", 'Your base is 1.4 km from Brinnington: close by.'],
    ['Good fit: the supplier offers goods in food, as requested.', 'Good fit: you offer goods in food, as requested.'],
    ['Poor fit: the supplier does not offer works.', 'Poor fit: you do not offer works.'],
    ['The supplier has not said what it offers: fit counted as neutral.', 'You have not said what you offer: fit counted as neutral.'],
    ['New supplier with no delivery record yet: counted as neutral.', 'You have no delivery record yet: counted as neutral.'],
    ['Covers all of the £1,000 still needed: the supplier offers £9,000 and allows part of it to be approved', 'Covers all of the £1,000 still needed: you offer £9,000 and allow part of it to be approved'],
  ]) assert.equal(toYou(from), want);
});
