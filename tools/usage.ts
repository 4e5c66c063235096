// What the phone's TypeScript reads through the generated types (bonecare.d.ts, beside this file once
// tools/clients.py has copied it there). `make clients` compiles it with tsc --strict: a field that lost its
// type, its null or its literals fails the build.
import type { components, operations } from "./bonecare";

type Today = operations["getToday"]["responses"][200]["content"]["application/json"];
type Notification = operations["getNotificationList"]["responses"][200]["content"]["application/json"]["items"][number];
type Problem = operations["getToday"]["responses"][401]["content"]["application/problem+json"];

// GET today: the next reminder is null when none is due, so it is narrowed before its time is read.
export function nextReminderAt(today: Today): Date | null {
  if (today.next_reminder === null) {
    return null;
  }
  return new Date(today.next_reminder.scheduled_for);
}

export const noReminder: Today["next_reminder"] = null; // the null is in the type

// A notification's status is one of its enum's literals, narrowed case by case; the @ts-expect-error below
// proves it is not any string.
export function statusLabel(notification: Notification): string {
  switch (notification.status) {
    case "sent": {
      const sent: "sent" = notification.status;
      return sent;
    }
    case "pending":
      return "due";
    default:
      return notification.status; // skipped, failed, expired or cancelled
  }
}

// @ts-expect-error "claimed" is the worker's own state, never a status the API answers
export const claimed: Notification["status"] = "claimed";

// Every error is a problem-details body; its `type` names the problem.
export function isExpiredToken(problem: Problem): boolean {
  return problem.type === "https://bonecare.dev/problems/token-expired";
}

// The same schema by name; its other members (`errors`, `server_time`) are optional.
export const notFound: components["schemas"]["Problem"] = {
  type: "https://bonecare.dev/problems/not-found",
  title: "Not Found",
  status: 404,
  detail: "No such record.",
};
