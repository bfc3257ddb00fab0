/** The confidence model for `kobe scan`: pure numerical core (no I/O, clock or randomness). */
export * from './logistic.js';
export * from './calibration.js';
export * from './scores.js';
export * from './walk-forward-fit.js';
export * from './model-codec.js';
export * from './train.js';
