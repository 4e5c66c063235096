"""A patient deletes her account: at once she is signed out everywhere, her clinicians lose access and her
reminders stop; the worker erases her for good once the grace period is over (accounts.erasure)."""
