/**
 * The order state machine: every state an order can be in, the one table of legal transitions,
 * and the one function that moves an order (`transition`). Nothing else changes an order's state,
 * filled quantity or average fill price: the OMS store (`src/store/order-store.ts`) and the
 * brokers call `transition` and record what it returns.
 *
 *   new ──submit──> submitted ──fill──> partially_filled ──fill──> filled
 *    │                 │  │                  │  │
 *    │                 │  └─request_cancel─> pending_cancel <─request_cancel─┘
 *    └─cancel/reject─> cancelled, rejected, expired (terminal; partial fills are kept)
 *
 * A resting order (a GTC protective exit, `src/app/orders/protect.ts`) follows the same table: new
 * -> submitted when the broker takes it, then, sessions later, filled (its stop or target hit) or
 * cancelled (by kobe before another exit, or by the broker when its sibling leg filled).
 *
 * Invariants (property-tested in `order-state.test.ts`): terminal states are terminal; the filled
 * quantity only grows and never exceeds the order quantity; `filled` means filledQty = qty;
 * `partially_filled` means 0 < filledQty < qty; the same events from the same order give the same
 * order. Refusals are values `{ok: false, code, detail}` (the shape of the pre-trade checks in
 * `src/risk/denials.ts`), never exceptions: a late or replayed broker message is an expected
 * outcome, not a bug.
 */

export type OrderState =
  | 'new'
  | 'submitted'
  | 'partially_filled'
  | 'pending_cancel'
  | 'filled'
  | 'cancelled'
  | 'rejected'
  | 'expired';

export const ORDER_STATES: readonly OrderState[] = ['new', 'submitted', 'partially_filled', 'pending_cancel', 'filled', 'cancelled', 'rejected', 'expired'];

/** States no event leaves. */
export const TERMINAL_STATES: readonly OrderState[] = ['filled', 'cancelled', 'rejected', 'expired'];

export const isTerminal = (state: OrderState): boolean => TERMINAL_STATES.includes(state);

/**
 * What can happen to an order:
 * - `submit`          the order was sent and the broker took it (optionally naming its own id);
 * - `fill`            one execution of `qty` shares at `price` (incremental, not cumulative);
 * - `request_cancel`  a cancel was asked for and the broker has not answered yet;
 * - `cancel_rejected` the broker refused the cancel: the order works on;
 * - `cancel`          the order is cancelled (before sending, on request, or an IOC remainder);
 * - `reject`          the broker (or a local check before sending) refused the order;
 * - `expire`          the order's time in force ran out.
 */
export type OrderEvent =
  | { readonly kind: 'submit'; readonly brokerOrderId?: string | null }
  | { readonly kind: 'fill'; readonly qty: number; readonly price: number }
  | { readonly kind: 'request_cancel' }
  | { readonly kind: 'cancel_rejected' }
  | { readonly kind: 'cancel' }
  | { readonly kind: 'reject' }
  | { readonly kind: 'expire' };

export type OrderEventKind = OrderEvent['kind'];

export const ORDER_EVENT_KINDS: readonly OrderEventKind[] = ['submit', 'fill', 'request_cancel', 'cancel_rejected', 'cancel', 'reject', 'expire'];

/**
 * THE table of legal transitions: for each state, the events it accepts and the states each may
 * lead to. An event missing from a state's row is illegal there. Where a row lists two targets,
 * the order's quantities pick one (`resolveTarget`): a fill that completes the order goes to
 * `filled`, any other fill to `partially_filled` (or stays `pending_cancel`); a refused cancel
 * goes back to `partially_filled` if anything filled, else to `submitted`.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderState, Readonly<Partial<Record<OrderEventKind, readonly OrderState[]>>>>> = {
  new: { submit: ['submitted'], cancel: ['cancelled'], reject: ['rejected'] },
  submitted: {
    fill: ['partially_filled', 'filled'],
    request_cancel: ['pending_cancel'],
    cancel: ['cancelled'],
    reject: ['rejected'],
    expire: ['expired'],
  },
  partially_filled: {
    fill: ['partially_filled', 'filled'],
    request_cancel: ['pending_cancel'],
    cancel: ['cancelled'],
    expire: ['expired'],
  },
  pending_cancel: {
    fill: ['pending_cancel', 'filled'],
    cancel_rejected: ['submitted', 'partially_filled'],
    cancel: ['cancelled'],
    expire: ['expired'],
  },
  filled: {},
  cancelled: {},
  rejected: {},
  expired: {},
};

/** The part of an order the state machine reads and writes; the store's rows carry more. */
export interface OrderProgress {
  readonly state: OrderState;
  /** Shares ordered (> 0). */
  readonly qty: number;
  /** Shares filled so far, 0 <= filledQty <= qty. */
  readonly filledQty: number;
  /** Volume-weighted average price of the fills, USD; null before the first fill. */
  readonly avgFillPrice: number | null;
  /** The broker's id for the order; null until the broker names it. */
  readonly brokerOrderId: string | null;
}

export type TransitionRefusalCode = 'ORDER_TERMINAL' | 'ILLEGAL_TRANSITION' | 'BAD_FILL' | 'OVERFILL' | 'BROKER_ID_CHANGED';

export interface TransitionRefusal {
  readonly ok: false;
  readonly code: TransitionRefusalCode;
  readonly detail: string;
}

export type TransitionResult<T extends OrderProgress> = { readonly ok: true; readonly order: T } | TransitionRefusal;

/**
 * Quantities are compared with this tolerance: share counts may be fractional (Alpaca trades
 * fractional shares) and a sum of float fills must still be able to equal the order quantity.
 */
export const QTY_EPSILON = 1e-9;

const refuse = (code: TransitionRefusalCode, detail: string): TransitionRefusal => ({ ok: false, code, detail });

/**
 * Applies one event to an order: the new order (a copy; the input is not changed) or a refusal
 * saying why the event cannot apply. Every field the caller added to the order is carried over.
 */
export function transition<T extends OrderProgress>(order: T, event: OrderEvent): TransitionResult<T> {
  const row = ORDER_TRANSITIONS[order.state];
  if (isTerminal(order.state)) return refuse('ORDER_TERMINAL', `order is ${order.state}; ${event.kind} cannot change it`);
  const targets = row[event.kind];
  if (targets === undefined) return refuse('ILLEGAL_TRANSITION', `${event.kind} is not allowed in state ${order.state}`);

  let filledQty = order.filledQty;
  let avgFillPrice = order.avgFillPrice;
  let brokerOrderId = order.brokerOrderId;
  if (event.kind === 'fill') {
    if (!(Number.isFinite(event.qty) && event.qty > 0)) return refuse('BAD_FILL', `fill qty must be a positive number, was ${event.qty}`);
    if (!(Number.isFinite(event.price) && event.price > 0)) return refuse('BAD_FILL', `fill price must be a positive number, was ${event.price}`);
    const total = order.filledQty + event.qty;
    if (total > order.qty + QTY_EPSILON) {
      return refuse('OVERFILL', `fill of ${event.qty} would bring the filled qty to ${total}, over the order qty ${order.qty}`);
    }
    // A sum within the tolerance of the order quantity is the whole order.
    filledQty = Math.abs(total - order.qty) <= QTY_EPSILON ? order.qty : total;
    avgFillPrice = ((order.avgFillPrice ?? 0) * order.filledQty + event.price * event.qty) / filledQty;
  } else if (event.kind === 'submit' && event.brokerOrderId != null) {
    if (order.brokerOrderId !== null && order.brokerOrderId !== event.brokerOrderId) {
      return refuse('BROKER_ID_CHANGED', `order already has broker id ${order.brokerOrderId}, submit names ${event.brokerOrderId}`);
    }
    brokerOrderId = event.brokerOrderId;
  }

  const state = resolveTarget(order.state, event.kind, filledQty, order.qty);
  // The resolver only picks among the listed targets; the check keeps the table the one authority.
  if (!targets.includes(state)) return refuse('ILLEGAL_TRANSITION', `${event.kind} from ${order.state} to ${state} is not in the transition table`);
  return { ok: true, order: { ...order, state, filledQty, avgFillPrice, brokerOrderId } };
}

/** Picks the target of an event whose table entry lists more than one, from the quantities. */
function resolveTarget(from: OrderState, kind: OrderEventKind, filledQty: number, qty: number): OrderState {
  switch (kind) {
    case 'fill':
      if (filledQty >= qty) return 'filled';
      return from === 'pending_cancel' ? 'pending_cancel' : 'partially_filled';
    case 'cancel_rejected':
      return filledQty > 0 ? 'partially_filled' : 'submitted';
    default:
      return ORDER_TRANSITIONS[from][kind]![0]!;
  }
}

/**
 * Applies events in order and stops at the first refusal (returned with the index of the event).
 * For replaying an order's recorded events and for the property tests.
 */
export function replay<T extends OrderProgress>(order: T, events: readonly OrderEvent[]): { readonly order: T; readonly refusedAt: number | null; readonly refusal: TransitionRefusal | null } {
  let current = order;
  for (let i = 0; i < events.length; i++) {
    const r = transition(current, events[i]!);
    if (!r.ok) return { order: current, refusedAt: i, refusal: r };
    current = r.order;
  }
  return { order: current, refusedAt: null, refusal: null };
}

/** A fresh order in state `new`. */
export const newOrderProgress = (qty: number): OrderProgress => ({ state: 'new', qty, filledQty: 0, avgFillPrice: null, brokerOrderId: null });

// ---------------------------------------------------------------------------------------------
// Alpaca's order statuses (Trading API v2, `status` of an order) mapped to ours.

export type AlpacaOrderStatus =
  | 'new'
  | 'accepted'
  | 'pending_new'
  | 'accepted_for_bidding'
  | 'partially_filled'
  | 'filled'
  | 'done_for_day'
  | 'canceled'
  | 'expired'
  | 'replaced'
  | 'pending_cancel'
  | 'pending_replace'
  | 'rejected'
  | 'suspended'
  | 'calculated'
  | 'stopped'
  | 'held';

/**
 * `by_fill`: a status that says the order is still alive without saying how much filled; the
 * filled quantity decides (none: submitted, some: partially_filled, all: filled).
 */
export type AlpacaStatusMapping = OrderState | 'by_fill';

/**
 * Alpaca's statuses as ours. The working statuses (new, accepted, pending_new,
 * accepted_for_bidding: taken but not yet filling; done_for_day: done until the next session;
 * pending_replace, suspended, stopped, held, calculated: alive, settlement or routing pending)
 * all read the filled quantity. `replaced` ends this order (a replacing order carries on under
 * a new id); kobe never replaces orders, so reconciliation reports the replacement as an order
 * missing in the database.
 */
export const ALPACA_STATUS_TO_STATE: Readonly<Record<AlpacaOrderStatus, AlpacaStatusMapping>> = {
  new: 'by_fill',
  accepted: 'by_fill',
  pending_new: 'by_fill',
  accepted_for_bidding: 'by_fill',
  partially_filled: 'partially_filled',
  filled: 'filled',
  done_for_day: 'by_fill',
  canceled: 'cancelled',
  expired: 'expired',
  replaced: 'cancelled',
  pending_cancel: 'pending_cancel',
  pending_replace: 'by_fill',
  rejected: 'rejected',
  suspended: 'by_fill',
  calculated: 'by_fill',
  stopped: 'by_fill',
  held: 'by_fill',
};

export type BrokerStatusResult = { readonly ok: true; readonly state: OrderState } | { readonly ok: false; readonly code: 'UNKNOWN_BROKER_STATUS'; readonly detail: string };

/** Our state for an Alpaca order with `status`, `qty` and `filledQty`; an unknown status is a refusal, never a guess. */
export function stateFromAlpacaStatus(status: string, qty: number, filledQty: number): BrokerStatusResult {
  const mapped = Object.hasOwn(ALPACA_STATUS_TO_STATE, status) ? ALPACA_STATUS_TO_STATE[status as AlpacaOrderStatus] : undefined;
  if (mapped === undefined) return { ok: false, code: 'UNKNOWN_BROKER_STATUS', detail: `Alpaca order status ${JSON.stringify(status)} is not one kobe knows` };
  if (mapped !== 'by_fill') return { ok: true, state: mapped };
  if (filledQty <= 0) return { ok: true, state: 'submitted' };
  return { ok: true, state: filledQty >= qty - QTY_EPSILON ? 'filled' : 'partially_filled' };
}
