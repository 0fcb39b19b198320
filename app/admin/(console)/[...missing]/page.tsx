import { notFound } from "next/navigation";

// Any /admin/… path no page claims: the console's own 404 (./not-found.tsx), inside its frame.
export default function UnknownConsolePage() {
  notFound();
}
