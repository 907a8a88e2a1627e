require "fileinto";
fileinto "Nowhere";
