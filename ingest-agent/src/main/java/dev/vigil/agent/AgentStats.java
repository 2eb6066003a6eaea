package dev.vigil.agent;

/**
 * The agent's counters. Every event a {@code record*} call accepted is in exactly one place:
 * {@code accepted == sent + dropped + failed + inFlight}.
 *
 * @param accepted events handed to the agent with valid arguments (including later drops)
 * @param sent     acknowledged by Kafka
 * @param dropped  not sent because the buffer was full, the agent was closed, or close ran out of time
 * @param failed   rejected by Kafka or not delivered within the producer's delivery timeout
 * @param inFlight buffered in the agent or the producer, not yet acknowledged
 * @param invalid  calls with bad arguments (null or empty name, negative duration, …), not accepted
 */
public record AgentStats(long accepted, long sent, long dropped, long failed, long inFlight, long invalid) {
}
