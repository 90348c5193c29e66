// needs: nothing
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runWithLogContext } from '../../infra/log-context';
import { createLogger } from '../../infra/logger';

// The JSON logger (pino behind the project's Logger interface).

describe('logger', () => {
  const capture = (level: 'debug' | 'info' | 'warn' | 'error' = 'debug') => {
    const lines: string[] = [];
    const logger = createLogger(level, { service: 'unit' }, (line) => lines.push(line));
    return { logger, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
  };

  test('when a line is written, then it is one JSON object with time, level name, base fields, fields and message', () => {
    const { logger, lines, parsed } = capture();
    logger.info('record moved', { recordId: 'r1', to: 'approved' });
    assert.equal(lines.length, 1);
    assert.ok(!lines[0]!.endsWith('\n'));
    const [line] = parsed();
    assert.match(String(line!.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual({ ...line, time: undefined }, { time: undefined, level: 'info', service: 'unit', recordId: 'r1', to: 'approved', msg: 'record moved' });
  });

  test('when the level is warn, then debug and info are dropped', () => {
    const { logger, parsed } = capture('warn');
    logger.debug('a');
    logger.info('b');
    logger.warn('c');
    logger.error('d');
    assert.deepEqual(parsed().map((l) => [l.level, l.msg]), [['warn', 'c'], ['error', 'd']]);
  });

  test('when a child logger writes, then its fields ride along with the parent base', () => {
    const { logger, parsed } = capture();
    logger.child({ channel: 'security' }).warn('security event', { event: 'forbidden' });
    assert.deepEqual(parsed()[0], { ...parsed()[0], service: 'unit', channel: 'security', event: 'forbidden' });
  });

  test('when a line is written while a request is served, then it carries the request id', () => {
    const { logger, parsed } = capture();
    runWithLogContext({ requestId: 'req-1' }, () => logger.info('inside'));
    logger.info('outside');
    assert.deepEqual(parsed().map((l) => l.requestId), ['req-1', undefined]);
  });

  test('when applicant fields slip into a line, then their values are redacted', () => {
    const { logger, lines } = capture();
    logger.info('oops', { first_name: 'John', application: { document_number: 'BP123456789', date_of_birth: '1990-01-01' }, recordId: 'r1' });
    assert.doesNotMatch(lines[0]!, /John|BP123456789|1990-01-01/);
    assert.match(lines[0]!, /"recordId":"r1"/);
  });
});
