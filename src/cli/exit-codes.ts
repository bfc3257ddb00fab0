/**
 * Exit codes, the only place they are defined (house style: only src/cli knows them).
 * A check that ran and found problems (data verify, audit verify, some downloads failed) exits
 * with `runtime`; a candidate a gate turned down exits with `rejected`; `kobe daily` finding
 * another run holding its lock exits with `locked` and touches nothing. An interrupted run is
 * ended by the signal itself (the shell reports 130).
 */
export const EXIT = { ok: 0, runtime: 1, usage: 2, rejected: 3, locked: 4 } as const;
