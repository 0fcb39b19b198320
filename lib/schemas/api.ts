/** The JSON error body of every route handler: {"error":{"code","message","issues"?}}. */
export interface ApiErrorBody {
  error: { code: string; message: string; issues?: { path: (string | number)[]; message: string }[] };
}

export const MAX_BODY_BYTES = 64 * 1024;
