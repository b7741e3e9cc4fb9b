"""What customers write: language, sentiment, topics and keywords of every feedback text, offline."""
