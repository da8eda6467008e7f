/** oidc-provider ships no types; the tests' helper (helpers/oidc-provider.ts) types the little it uses. */
declare module 'oidc-provider' {
  const Provider: new (issuer: string, configuration: unknown) => unknown;
  export default Provider;
}
