// The end-user chat page (placeholder until the chat page issue lands).
export const dynamic = "force-dynamic";

export default function ChatPage() {
  return (
    <main className="mx-auto max-w-2xl p-6">
      <h1 className="text-xl font-semibold">Chat</h1>
    </main>
  );
}
