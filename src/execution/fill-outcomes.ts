import { denial, type Denial } from '../risk/denials.js';

/**
 * Why an order that passed the pre-trade checks does not fill. These are outcomes of filling, not
 * checks of the order: whether a bar to fill on exists, and what the open actually costs, are
 * known only at (or about) the fill, so they live with the fill model rather than in `src/risk`.
 */

/** The symbol's data ends before the order's fill bar (known when the signal is read). */
export const NO_FILL_BAR_DATA_ENDS: Denial = denial('NO_FILL_BAR', 'the data ends before the fill bar');

/** The symbol skipped the session the order was for: a day order expires unfilled. */
export const NO_FILL_BAR_SESSION_SKIPPED: Denial = denial('NO_FILL_BAR', 'no bar on the fill session');

/** The open gapped beyond the cash left: not one share is affordable (shares were fixed at the signal). */
export const noCashAtOpen = (open: number): Denial => denial('INSUFFICIENT_CASH', `open ${open.toFixed(2)} left no cash for a single share`);
