/** The scan's confidence model: training on the engine's own trades (kobe scan train) and when a model may be used. */
export * from './training-rows.js';
export * from './train-scan-model.js';
export * from './usable.js';
