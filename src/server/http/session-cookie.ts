/** The session cookie's name (HttpOnly, SameSite=Lax, Secure under TLS; docs/api.md). */
export const SESSION_COOKIE = 'dmarcpilot_session';
