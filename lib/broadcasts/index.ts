export { buildMessage } from "./create";
export { getDelivery, listDeliveries, markDeliveries } from "./deliveries";
export { resumeBroadcast, sendBroadcast } from "./fanout";
export { getBroadcast, listBroadcasts, toPublic, toSummary } from "./store";
export { submitBroadcast, waitForBroadcast } from "./submit";
export { estimateTarget } from "./walk";
