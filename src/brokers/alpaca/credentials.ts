import { usageError } from '../../core/errors.js';
import { registerSecrets } from '../../core/redact.js';

export interface AlpacaCredentials {
  readonly keyId: string;
  readonly secretKey: string;
}

/**
 * Alpaca's keys, only from the environment (`APCA_API_KEY_ID`, `APCA_API_SECRET_KEY`; the app
 * loads `.env` into the environment first). Both values are registered with core/redact.ts on
 * the spot, so from here on no message, log line or artifact can contain them. Missing keys are
 * a usage error naming the variables, never the values.
 */
export function alpacaCredentialsFromEnv(env: Readonly<Record<string, string | undefined>>): AlpacaCredentials {
  const keyId = env.APCA_API_KEY_ID?.trim() ?? '';
  const secretKey = env.APCA_API_SECRET_KEY?.trim() ?? '';
  registerSecrets([keyId, secretKey]);
  const missing = [keyId === '' ? 'APCA_API_KEY_ID' : null, secretKey === '' ? 'APCA_API_SECRET_KEY' : null].filter((x) => x !== null);
  if (missing.length > 0) {
    throw usageError('BROKER_CREDENTIALS_MISSING', `Alpaca needs ${missing.join(' and ')} in the environment`, {
      param: 'env',
      value: missing.join(', '),
      hint: 'export APCA_API_KEY_ID and APCA_API_SECRET_KEY (or put them in .env); they are never printed',
    });
  }
  return { keyId, secretKey };
}
