// Cognito user pools' JSON API, called as the AWS SDKs call it (POST with an
// X-Amz-Target header), for the operations a public app client may call unsigned.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/Welcome.html

export class CognitoError extends Error {}

async function call(config, action, body) {
  const response = await fetch(config.cognitoEndpoint, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": `AWSCognitoIdentityProviderService.${action}`,
    },
    body: JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new CognitoError(answer.message || answer.__type || response.statusText);
  }
  return answer;
}

export function signUp(config, email, password) {
  return call(config, "SignUp", {
    ClientId: config.clientId,
    Username: email,
    Password: password,
    UserAttributes: [{ Name: "email", Value: email }],
  });
}

export function confirmSignUp(config, email, code) {
  return call(config, "ConfirmSignUp", {
    ClientId: config.clientId,
    Username: email,
    ConfirmationCode: code,
  });
}

export async function signIn(config, email, password) {
  const answer = await call(config, "InitiateAuth", {
    ClientId: config.clientId,
    AuthFlow: "USER_PASSWORD_AUTH",
    AuthParameters: { USERNAME: email, PASSWORD: password },
  });
  const result = answer.AuthenticationResult;
  return { idToken: result.IdToken, accessToken: result.AccessToken };
}

export function signOutEverywhere(config, session) {
  return call(config, "GlobalSignOut", { AccessToken: session.accessToken });
}

export function claims(token) {
  const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(part));
}
