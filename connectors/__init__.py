"""Connectors: one package per external system, installed into the hub."""
