import type { Metadata } from "next";
import { History } from "@/components/admin/history";

export const metadata: Metadata = { title: "Broadcast history" };

export default function HistoryPage() {
  return <History />;
}
