export { getDelivery, listDeliveries, markDeliveries } from "./deliveries";
export { buildMessage, estimateTarget, resumeBroadcast, sendBroadcast } from "./fanout";
export { getBroadcast, listBroadcasts, toPublic, toSummary } from "./store";
