import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fcOptions } from '../test-support/synthetic-bars.js';
import {
  ALPACA_STATUS_TO_STATE,
  isTerminal,
  newOrderProgress,
  ORDER_EVENT_KINDS,
  ORDER_STATES,
  ORDER_TRANSITIONS,
  replay,
  stateFromAlpacaStatus,
  TERMINAL_STATES,
  transition,
  type OrderEvent,
  type OrderProgress,
} from './order-state.js';

const ok = (order: OrderProgress, event: OrderEvent): OrderProgress => {
  const r = transition(order, event);
  if (!r.ok) throw new Error(`${r.code}: ${r.detail}`);
  return r.order;
};

const fill = (qty: number, price: number): OrderEvent => ({ kind: 'fill', qty, price });

describe('transition', () => {
  it('walks new -> submitted -> partially_filled -> filled with a volume-weighted average price', () => {
    let o = newOrderProgress(10);
    o = ok(o, { kind: 'submit', brokerOrderId: 'b-1' });
    expect(o).toMatchObject({ state: 'submitted', brokerOrderId: 'b-1', filledQty: 0, avgFillPrice: null });
    o = ok(o, fill(4, 10));
    expect(o).toMatchObject({ state: 'partially_filled', filledQty: 4, avgFillPrice: 10 });
    o = ok(o, fill(6, 20));
    expect(o).toMatchObject({ state: 'filled', filledQty: 10, avgFillPrice: 16 });
  });

  it('refuses a fill over the order quantity, a bad fill, and anything after a terminal state', () => {
    const sub = ok(newOrderProgress(10), { kind: 'submit' });
    expect(transition(sub, fill(11, 10))).toMatchObject({ ok: false, code: 'OVERFILL' });
    expect(transition(sub, fill(0, 10))).toMatchObject({ ok: false, code: 'BAD_FILL' });
    expect(transition(sub, fill(Number.NaN, 10))).toMatchObject({ ok: false, code: 'BAD_FILL' });
    expect(transition(sub, fill(1, -1))).toMatchObject({ ok: false, code: 'BAD_FILL' });
    const done = ok(sub, fill(10, 5));
    for (const kind of ORDER_EVENT_KINDS) {
      const event = (kind === 'fill' ? fill(1, 1) : { kind }) as OrderEvent;
      expect(transition(done, event)).toMatchObject({ ok: false, code: 'ORDER_TERMINAL' });
    }
  });

  it('refuses events a state does not accept (a fill before submission, a second submit)', () => {
    expect(transition(newOrderProgress(5), fill(1, 1))).toMatchObject({ ok: false, code: 'ILLEGAL_TRANSITION' });
    const sub = ok(newOrderProgress(5), { kind: 'submit' });
    expect(transition(sub, { kind: 'submit' })).toMatchObject({ ok: false, code: 'ILLEGAL_TRANSITION' });
    expect(transition(sub, { kind: 'cancel_rejected' })).toMatchObject({ ok: false, code: 'ILLEGAL_TRANSITION' });
    const part = ok(sub, fill(1, 1));
    expect(transition(part, { kind: 'reject' })).toMatchObject({ ok: false, code: 'ILLEGAL_TRANSITION' });
  });

  it('a refused cancel returns to partially_filled when something filled, else to submitted; fills during pending_cancel count', () => {
    const sub = ok(newOrderProgress(5), { kind: 'submit' });
    expect(ok(ok(sub, { kind: 'request_cancel' }), { kind: 'cancel_rejected' }).state).toBe('submitted');
    const pending = ok(ok(sub, fill(2, 3)), { kind: 'request_cancel' });
    expect(pending.state).toBe('pending_cancel');
    const more = ok(pending, fill(1, 3));
    expect(more).toMatchObject({ state: 'pending_cancel', filledQty: 3 });
    expect(ok(more, { kind: 'cancel_rejected' }).state).toBe('partially_filled');
    expect(ok(more, fill(2, 3)).state).toBe('filled');
    expect(ok(more, { kind: 'cancel' })).toMatchObject({ state: 'cancelled', filledQty: 3 });
  });

  it('keeps the broker id once named', () => {
    const sub = ok({ ...newOrderProgress(5), brokerOrderId: 'b-1' }, { kind: 'submit', brokerOrderId: 'b-1' });
    expect(sub.brokerOrderId).toBe('b-1');
    expect(transition({ ...newOrderProgress(5), brokerOrderId: 'b-1' }, { kind: 'submit', brokerOrderId: 'b-2' })).toMatchObject({ ok: false, code: 'BROKER_ID_CHANGED' });
  });

  it('fractional fills that sum to the order quantity fill it exactly', () => {
    let o = ok(newOrderProgress(0.3), { kind: 'submit' });
    o = ok(o, fill(0.1, 10));
    o = ok(o, fill(0.2, 10));
    expect(o).toMatchObject({ state: 'filled', filledQty: 0.3 });
  });

  it('carries the caller’s extra fields and does not change its input', () => {
    const order = { ...newOrderProgress(5), clientOrderId: 'k-1' };
    const r = transition(order, { kind: 'submit' });
    expect(r.ok && r.order.clientOrderId).toBe('k-1');
    expect(order.state).toBe('new');
  });

  it('the table: terminal states accept nothing, every other state has a way to a terminal state', () => {
    for (const s of TERMINAL_STATES) expect(Object.keys(ORDER_TRANSITIONS[s])).toEqual([]);
    for (const s of ORDER_STATES) {
      if (isTerminal(s)) continue;
      const targets = Object.values(ORDER_TRANSITIONS[s]).flat();
      expect(targets.some((t) => isTerminal(t!)), s).toBe(true);
    }
  });
});

const eventArb: fc.Arbitrary<OrderEvent> = fc.oneof(
  fc.constantFrom<OrderEvent>({ kind: 'submit' }, { kind: 'request_cancel' }, { kind: 'cancel_rejected' }, { kind: 'cancel' }, { kind: 'reject' }, { kind: 'expire' }),
  fc.record({ kind: fc.constant('fill' as const), qty: fc.integer({ min: -2, max: 12 }), price: fc.double({ min: 0.5, max: 500, noNaN: true }) }),
);

/** The invariants every reachable order satisfies. */
function legal(o: OrderProgress): boolean {
  if (!ORDER_STATES.includes(o.state)) return false;
  if (!(o.filledQty >= 0 && o.filledQty <= o.qty)) return false;
  if (o.state === 'filled' && o.filledQty !== o.qty) return false;
  if (o.state === 'partially_filled' && !(o.filledQty > 0 && o.filledQty < o.qty)) return false;
  if (o.state === 'new' && o.filledQty !== 0) return false;
  if ((o.filledQty === 0) !== (o.avgFillPrice === null)) return false;
  return true;
}

describe('transition properties', () => {
  it('random event sequences never reach an illegal order; the filled qty never falls; terminal stays terminal', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(eventArb, { maxLength: 40 }), (qty, events) => {
        let o = newOrderProgress(qty);
        for (const e of events) {
          const r = transition(o, e);
          if (!r.ok) {
            if (isTerminal(o.state)) expect(r.code).toBe('ORDER_TERMINAL');
            continue;
          }
          expect(isTerminal(o.state)).toBe(false);
          expect(r.order.filledQty).toBeGreaterThanOrEqual(o.filledQty);
          // the move is an edge in the table
          expect(ORDER_TRANSITIONS[o.state][e.kind]).toContain(r.order.state);
          expect(legal(r.order)).toBe(true);
          o = r.order;
        }
      }),
      fcOptions(300),
    );
  });

  it('replaying the same events gives the same order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(eventArb, { maxLength: 40 }), (qty, events) => {
        const accepted: OrderEvent[] = [];
        let o = newOrderProgress(qty);
        for (const e of events) {
          const r = transition(o, e);
          if (r.ok) {
            accepted.push(e);
            o = r.order;
          }
        }
        const again = replay(newOrderProgress(qty), accepted);
        expect(again.refusedAt).toBeNull();
        expect(again.order).toEqual(o);
        expect(replay(newOrderProgress(qty), accepted).order).toEqual(again.order);
      }),
      fcOptions(200),
    );
  });
});

describe('Alpaca statuses', () => {
  it('maps every documented status; working ones by the filled quantity', () => {
    expect(stateFromAlpacaStatus('accepted', 10, 0)).toEqual({ ok: true, state: 'submitted' });
    expect(stateFromAlpacaStatus('new', 10, 3)).toEqual({ ok: true, state: 'partially_filled' });
    expect(stateFromAlpacaStatus('done_for_day', 10, 10)).toEqual({ ok: true, state: 'filled' });
    expect(stateFromAlpacaStatus('partially_filled', 10, 3)).toEqual({ ok: true, state: 'partially_filled' });
    expect(stateFromAlpacaStatus('canceled', 10, 3)).toEqual({ ok: true, state: 'cancelled' });
    expect(stateFromAlpacaStatus('expired', 10, 0)).toEqual({ ok: true, state: 'expired' });
    expect(stateFromAlpacaStatus('rejected', 10, 0)).toEqual({ ok: true, state: 'rejected' });
    expect(stateFromAlpacaStatus('pending_cancel', 10, 0)).toEqual({ ok: true, state: 'pending_cancel' });
    expect(stateFromAlpacaStatus('filled', 10, 10)).toEqual({ ok: true, state: 'filled' });
    for (const s of Object.keys(ALPACA_STATUS_TO_STATE)) expect(stateFromAlpacaStatus(s, 10, 0).ok, s).toBe(true);
  });

  it('refuses a status it does not know (including inherited object keys)', () => {
    expect(stateFromAlpacaStatus('teleported', 10, 0)).toMatchObject({ ok: false, code: 'UNKNOWN_BROKER_STATUS' });
    expect(stateFromAlpacaStatus('toString', 10, 0)).toMatchObject({ ok: false, code: 'UNKNOWN_BROKER_STATUS' });
  });
});
