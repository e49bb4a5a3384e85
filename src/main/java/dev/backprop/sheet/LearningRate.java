package dev.backprop.sheet;

/**
 * A learning rate η and the text the user wrote for it: file and sheet names use the text, so that
 * {@code --lr 2.0} gives {@code steps_lr2.0.csv} rather than whatever a number formatter prints.
 */
public record LearningRate(String label, double value) {}
