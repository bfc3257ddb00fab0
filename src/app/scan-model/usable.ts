import { dayToIso } from '../../core/calendar.js';
import type { ConfidenceModel } from '../../confidence/model-codec.js';

/**
 * The last close day of any trade a model's training read: its held-out fold's last close.
 * The coefficients saw only the fit fold and the calibration only the calibrate fold, but the
 * held-out outcomes decided whether the model became the active one, so a model is a product of
 * every trade up to this day.
 */
export function modelTrainedThrough(model: ConfidenceModel): number {
  return model.window.heldOutTo;
}

/**
 * Whether the scan may use `model` on session `day` (a day number): only when every trade its
 * training read had closed BEFORE that day. A replayed past day older than the model gets no
 * confidence from it (it would be scored by a model that knew how the next trades ended).
 */
export function modelUsableOn(model: ConfidenceModel, day: number): boolean {
  return modelTrainedThrough(model) < day;
}

/** Why a model is not usable on `day`, for the scan's "confidence: null" reason; null when it is. */
export function modelUnusableReason(model: ConfidenceModel, day: number): string | null {
  if (modelUsableOn(model, day)) return null;
  return `the confidence model learned from trades that closed up to ${dayToIso(modelTrainedThrough(model))}, not before ${dayToIso(day)}`;
}
