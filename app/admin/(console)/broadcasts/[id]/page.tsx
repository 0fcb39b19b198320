import type { Metadata } from "next";
import { BroadcastReport } from "@/components/admin/report/report";

export const metadata: Metadata = { title: "Broadcast report" };

export default async function ReportPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <BroadcastReport id={decodeURIComponent(id)} />;
}
