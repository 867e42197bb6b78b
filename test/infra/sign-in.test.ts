// The browser sign-in's contract between the Bicep, the hooks and the code: App Service
// Authentication redeems a sign-in with the sign-in identity (no client secret), asks for an
// access token for Tandem's own API scope, keeps it and forwards it; the API accepts that token's
// client because the template names it; the hooks make the app registration trust the identity.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SETTINGS } from "../../src/settings.js";
import { code, read } from "./bicep-text.js";

const main = code("infra/main.bicep");
const observer = code("infra/modules/observer.bicep");
/**
 * The authsettingsV2 resource's text, up to the next resource or output, as written: `code()`
 * would cut `api://…` at its `//`; the block holds no comment, which the test checks.
 */
const authSettings = (() => {
  const text = read("infra/modules/observer.bicep");
  const start = text.indexOf("name: 'authsettingsV2'");
  assert.ok(start >= 0, "observer.bicep has no authsettingsV2");
  const end = text.slice(start).search(/\n(resource|output) /);
  const block = text.slice(start, end < 0 ? undefined : start + end);
  assert.doesNotMatch(block, /^\s*\/\//m, "a comment in authsettingsV2 could satisfy a check");
  return block;
})();
const FIC_SETTING = "OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID";

describe("the browser sign-in (App Service Authentication)", () => {
  it("redeems sign-ins with the sign-in identity instead of a client secret", () => {
    assert.match(authSettings, new RegExp(`clientSecretSettingName: '${FIC_SETTING}'`));
    assert.match(observer, new RegExp(`\\n {2}${FIC_SETTING}: signInIdentityClientId\\n`));
    assert.match(observer, /'\$\{signInIdentityId\}': \{\}/);
    assert.match(main, /signInIdentityId: signInIdentity\.outputs\.id/);
    assert.match(main, /signInIdentityClientId: signInIdentity\.outputs\.clientId/);
    assert.doesNotMatch(observer, /clientSecret(Certificate)?[A-Za-z]*: '(?!OVERRIDE_)/);
  });

  it("the sign-in identity holds no Azure role: it is for the sign-in alone", () => {
    assert.doesNotMatch(main, /principalId: signInIdentity\./);
    assert.match(
      main,
      /output TANDEM_SIGN_IN_PRINCIPAL_ID string = signInIdentity\.outputs\.principalId/,
    );
  });

  it("asks for an access token for Tandem's own API scope, keeps it, and signs in as the app registration", () => {
    assert.match(authSettings, /clientId: apiClientId\n/);
    assert.match(
      authSettings,
      /loginParameters: \['scope=openid profile email offline_access api:\/\/\$\{apiClientId\}\/user_impersonation'\]/,
    );
    assert.match(authSettings, /tokenStore: \{ enabled: true \}/);
    // The scope the sign-in asks for is the one the app registration exposes.
    assert.match(read("infra/hooks/entra-app.sh"), /\\"value\\":\\"user_impersonation\\"/);
  });

  it("the API accepts the forwarded token's client because the template names it: the app registration", () => {
    assert.equal(SETTINGS.apiSignInClientId, "TANDEM_API_SIGN_IN_CLIENT_ID");
    assert.match(observer, /\n {2}TANDEM_API_SIGN_IN_CLIENT_ID: apiClientId\n/);
  });

  it("postprovision makes the app registration trust the sign-in identity, and nothing else", () => {
    assert.match(read("infra/hooks/postprovision.sh"), /^bash infra\/hooks\/sign-in\.sh$/m);
    const hook = read("infra/hooks/sign-in.sh");
    assert.match(hook, /principal="\$\{TANDEM_SIGN_IN_PRINCIPAL_ID:\?/);
    assert.match(hook, /\\"subject\\":\\"\$principal\\"/);
    assert.match(hook, /\\"issuer\\":\\"\$\{login%\/\}\/\$tenant\/v2\.0\\"/);
    assert.match(hook, /\\"audiences\\":\[\\"api:\/\/AzureADTokenExchange\\"\]/);
  });
});
