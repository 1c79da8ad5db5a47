"""What the admin console and the clinic portal share about signing in: the request's
session, the sign-in flow with its bounded password checks, and the account page's
password change and "sign out everywhere"."""
