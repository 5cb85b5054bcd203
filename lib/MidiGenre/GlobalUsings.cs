// The bottom layer (atomic files, JSON and CSV conventions, seeds) is used everywhere.
global using MidiGenre.Common;
