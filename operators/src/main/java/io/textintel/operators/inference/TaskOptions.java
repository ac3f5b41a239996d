package io.textintel.operators.inference;

import java.io.Serializable;

/**
 * The settings particular to one {@link TaskKind}, beside the ones every {@link ModelTask} has;
 * serialized with the task into the job graph, and checked when constructed.
 */
public sealed interface TaskOptions extends Serializable
        permits GenerativeSettings, ZeroShotSettings, FewShotSettings, ExtractiveSettings {}
