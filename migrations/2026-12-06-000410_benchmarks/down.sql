DROP TABLE statistical_neighbours;
DROP TABLE benchmark_values;
DROP TABLE benchmark_sources;
